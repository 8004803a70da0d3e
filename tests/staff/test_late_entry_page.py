"""The dispense page's fill date and late-entry reason (SPEC §7.1), errors by label."""

from datetime import timedelta

from lienrx.core import clock
from tests.dispensing.conftest import counter  # noqa: F401
from tests.staff.conftest import text
from tests.staff.test_intake_pages import error_of


def test_late_entry_on_the_dispense_page_needs_a_reason_and_is_shown(staff, counter):  # noqa: F811
    clock.freeze(clock.utcnow() + timedelta(days=3))  # before signing in: idle sign-out
    rph = staff("pharmacist")
    path = f"/staff/prescriptions/{counter.cream_rx}"
    form = rph.get(path).get_data(as_text=True)
    assert 'name="dispensed_on"' in form and f'value="{clock.today().isoformat()}"' in form
    assert 'name="late_entry_reason"' in form and "Late-entry reason" in form

    day = (clock.today() - timedelta(days=2)).isoformat()
    fill = {"compounding_record_id": counter.batch_id, "quantity": "30", "days_supply": "30",
            "dispensed_on": day}
    r = rph.post(f"{path}/dispense", data=fill)
    assert r.status_code == 422
    assert error_of(r, "late_entry_reason")
    assert "Late-entry reason" in text(r)  # the summary names the field by its label

    r = rph.post(f"{path}/dispense",
                 data={**fill, "dispensed_on": (clock.today() + timedelta(days=1)).isoformat()})
    assert r.status_code == 422 and error_of(r, "dispensed_on")
    assert "Fill date" in text(r)

    r = rph.post(f"{path}/dispense", data={**fill, "late_entry_reason": "Entered from paper"})
    assert r.status_code == 302, text(r)
    shown = text(rph.get(r.headers["Location"]))
    assert f"Fill date {day}" in shown
    assert f"Late entry entered {clock.today().isoformat()}: Entered from paper" in shown
    assert "late entry" in text(rph.get(path))  # the prescription's fills table
