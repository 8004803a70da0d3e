"""SPEC §7.1 fill dates: today by default; a late entry is a pharmacist's, at most
LIENRX_LATE_ENTRY_DAYS back, with a reason; every rule is judged on the fill date."""

from datetime import date, timedelta

import pytest

from lienrx.attestations import builder, layout
from lienrx.cases import services as cases
from lienrx.compounding import services as compounding
from lienrx.core import clock
from lienrx.core.errors import Forbidden
from lienrx.dispensing import services
from lienrx.extensions import db
from lienrx.ledger.models import JournalEntry
from tests import factories
from tests.dispensing.conftest import cream_fill, gabapentin_fill, pending_batch
from tests.formulary.factories import GABAPENTIN_300_NDC, prescription

REASON = "Pharmacy system outage on the fill date; paper record entered now"


@pytest.fixture
def rph(api_as):
    return api_as("pharmacist")


def days_later(days: int) -> date:
    """Move the pharmacy's clock ``days`` ahead of when the fixtures were made; the new today."""
    clock.freeze(clock.utcnow() + timedelta(days=days))
    return clock.today()


def test_a_fill_without_a_date_is_today_and_not_a_late_entry(rph, counter):
    body = rph.post("/api/v1/dispenses", json=gabapentin_fill(counter)).json
    assert body["dispensed_on"] == clock.today().isoformat()
    assert body["late_entry"] is False and body["late_entry_reason"] is None


def test_late_entry_needs_a_reason_422(rph, counter):
    today = days_later(3)
    day = (today - timedelta(days=2)).isoformat()
    for reason in (None, "", "   "):
        response = rph.post("/api/v1/dispenses",
                            json=gabapentin_fill(counter, dispensed_on=day,
                                                 late_entry_reason=reason))
        assert response.status_code == 422, response.json
        assert list(response.json["errors"]) == ["late_entry_reason"]


def test_late_entry_beyond_late_entry_days_is_422_on_dispensed_on(app, rph, counter):
    today = days_later(10)
    too_far = gabapentin_fill(counter, dispensed_on=(today - timedelta(days=8)).isoformat(),
                              late_entry_reason=REASON)
    response = rph.post("/api/v1/dispenses", json=too_far)
    assert response.status_code == 422
    assert list(response.json["errors"]) == ["dispensed_on"]
    at_the_limit = gabapentin_fill(counter, dispensed_on=(today - timedelta(days=7)).isoformat(),
                                   late_entry_reason=REASON)
    assert rph.post("/api/v1/dispenses", json=at_the_limit).status_code == 201


def test_late_entry_days_follows_its_setting(app, rph, counter):
    app.config["LIENRX_LATE_ENTRY_DAYS"] = 2
    today = days_later(5)
    response = rph.post("/api/v1/dispenses", json=gabapentin_fill(
        counter, dispensed_on=(today - timedelta(days=3)).isoformat(), late_entry_reason=REASON))
    assert response.status_code == 422 and "dispensed_on" in response.json["errors"]


def test_future_fill_date_is_422(rph, counter):
    tomorrow = (clock.today() + timedelta(days=1)).isoformat()
    response = rph.post("/api/v1/dispenses",
                        json=gabapentin_fill(counter, dispensed_on=tomorrow,
                                             late_entry_reason=REASON))
    assert response.status_code == 422
    assert list(response.json["errors"]) == ["dispensed_on"]


def test_late_entry_is_pharmacist_only(app, api_as, counter):
    today = days_later(3)
    late = gabapentin_fill(counter, dispensed_on=(today - timedelta(days=2)).isoformat(),
                           late_entry_reason=REASON)
    # Technicians cannot dispense at all (API and page); the service refuses a late entry
    # by anyone but a pharmacist on its own too.
    assert api_as("technician").post("/api/v1/dispenses", json=late).status_code == 403
    with app.app_context():
        technician = factories.user("technician")
        request = services.DispenseRequest(
            prescription_id=counter.gabapentin_rx, quantity=90, days_supply=30,
            dispensed_on=today - timedelta(days=2), ndc=GABAPENTIN_300_NDC, lot_number="GB2291A",
            late_entry_reason=REASON)
        with pytest.raises(Forbidden):
            services.dispense(technician, request)
        db.session.rollback()


def test_lien_signed_after_the_fill_date_is_409_lien_not_active(app, rph, counter):
    today = days_later(3)
    with app.app_context():  # a new agreement, signed yesterday, supersedes the first
        cases.record_lien_agreement(None, counter.case_id, signed_on=today - timedelta(days=1),
                                    patient_signed=True)
        db.session.commit()
    response = rph.post("/api/v1/dispenses", json=gabapentin_fill(
        counter, dispensed_on=(today - timedelta(days=2)).isoformat(), late_entry_reason=REASON))
    assert response.status_code == 409
    assert response.json["code"] == "lien_not_active"
    same_day = gabapentin_fill(counter, dispensed_on=(today - timedelta(days=1)).isoformat(),
                               late_entry_reason=REASON)
    assert rph.post("/api/v1/dispenses", json=same_day).status_code == 201


def test_batch_verified_after_the_fill_date_is_409_compounding_not_verified(app, rph, counter):
    with app.app_context():  # compounded on day 0, verified on day 3
        batch_id = pending_batch("KET-CRM-10", 60, factories.user("technician"))
        db.session.commit()
    today = days_later(3)
    with app.app_context():
        compounding.verify_batch(factories.user("pharmacist"), batch_id)
        db.session.commit()
    late = cream_fill(counter, compounding_record_id=batch_id, late_entry_reason=REASON,
                      dispensed_on=(today - timedelta(days=2)).isoformat())
    response = rph.post("/api/v1/dispenses", json=late)
    assert response.status_code == 409
    assert response.json["code"] == "compounding_not_verified"
    assert "verified on" in response.json["detail"]


def test_batch_compounded_after_the_fill_date_is_409_compounding_not_verified(app, rph, counter):
    today = days_later(3)
    with app.app_context():
        compounder, verifier = factories.user("technician"), factories.user("pharmacist")
        batch_id = pending_batch("KET-CRM-10", 60, compounder)
        compounding.verify_batch(verifier, batch_id)
        db.session.commit()
    response = rph.post("/api/v1/dispenses", json=cream_fill(
        counter, compounding_record_id=batch_id, late_entry_reason=REASON,
        dispensed_on=(today - timedelta(days=1)).isoformat()))
    assert response.status_code == 409
    assert response.json["code"] == "compounding_not_verified"


def test_prescription_written_after_the_fill_date_is_refused(app, rph, world, counter):
    days_later(2)
    with app.app_context():  # written on day 2
        rx_id = prescription(world.case_id, world.prescriber_id, "GABA-CAP-300",
                             quantity=90, days_supply=30).id
        db.session.commit()
    today = days_later(1)
    response = rph.post("/api/v1/dispenses", json=gabapentin_fill(
        counter, prescription_id=rx_id, late_entry_reason=REASON,
        dispensed_on=(today - timedelta(days=2)).isoformat()))
    assert response.status_code == 422
    assert list(response.json["errors"]) == ["dispensed_on"]


def test_prescription_expired_as_of_the_fill_date_is_judged_on_the_fill_date(app, rph, counter):
    from lienrx.prescribing.models import Prescription

    with app.app_context():
        expires = db.session.get(Prescription, counter.gabapentin_rx).expires_on
    # today is two days past expiry; a late entry dated on the last valid day still fills
    today = days_later((expires - clock.today()).days + 2)
    on_last_day = gabapentin_fill(counter, dispensed_on=(today - timedelta(days=2)).isoformat(),
                                  late_entry_reason=REASON)
    response = rph.post("/api/v1/dispenses", json=on_last_day)
    assert response.status_code == 201, response.json
    assert response.json["dispensed_on"] == expires.isoformat()


def test_late_entry_is_marked_on_the_record_the_pogos_and_the_memo(app, rph, api_as, counter):
    today = days_later(3)
    day = today - timedelta(days=2)
    response = rph.post("/api/v1/dispenses", json=gabapentin_fill(
        counter, dispensed_on=day.isoformat(), late_entry_reason=f"  {REASON}  "))
    assert response.status_code == 201, response.json
    body = response.json
    assert body["late_entry"] is True and body["late_entry_reason"] == REASON
    assert body["dispensed_on"] == day.isoformat()
    shown = api_as("billing").get(f"/api/v1/dispenses/{body['id']}").json
    assert shown["late_entry"] is True and shown["late_entry_reason"] == REASON
    on_time = rph.post("/api/v1/dispenses", json=cream_fill(counter)).json
    assert on_time["late_entry"] is False and on_time["late_entry_reason"] is None
    with app.app_context():
        lines = {ln["dispense_id"]: ln for ln in builder.dispense_lines(counter.case_id)}
        assert lines[body["id"]]["late_entry"] is True
        assert lines[body["id"]]["late_entry_reason"] == REASON
        assert lines[on_time["id"]]["late_entry"] is False
        rows = layout.timeline({"dispense_lines": list(lines.values())})
        assert f"{layout.day(day)} (late entry)" in [row.cells[0][0] for row in rows]
        memo = db.session.query(JournalEntry).filter_by(
            source_type="dispense", source_id=body["id"]).one().memo
        assert f"late entry on {today} for {day}" in memo and REASON in memo
        plain = db.session.query(JournalEntry).filter_by(
            source_type="dispense", source_id=on_time["id"]).one().memo
        assert "late entry" not in plain


def test_a_reason_sent_with_todays_date_is_not_a_late_entry(rph, counter):
    body = rph.post("/api/v1/dispenses", json=gabapentin_fill(
        counter, dispensed_on=clock.today().isoformat(), late_entry_reason=REASON)).json
    assert body["late_entry"] is False and body["late_entry_reason"] is None
