"""In Debian's Chromium: intake warns of a possible duplicate patient and goes on with the
match; the pharmacist records the clinical profile and an outside medication."""

from datetime import date

import pytest
from playwright.sync_api import expect

from lienrx.extensions import db
from tests import factories
from tests.staff.test_browser_flows import sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def registered(app):
    """A pharmacist, and a patient already registered with a case at a firm."""
    with app.app_context():
        factories.user("pharmacist", email="rph@x.test")
        firm = factories.law_firm("Okafor & Lee")
        patient = factories.patient(first_name="Siobhan", last_name="O'Brien-Smith",
                                    date_of_birth=date(1979, 4, 12))
        case = factories.case(firm, patient_id=patient.id)
        db.session.commit()
        return {"patient_id": patient.id, "case_id": case.id}


def test_intake_duplicate_warning_and_using_the_match(browser, live_server, registered,
                                                      artifacts):
    rph = sign_in(browser, live_server, "rph@x.test")
    rph.get_by_role("link", name="Intake", exact=True).click()
    form = rph.locator("form", has=rph.get_by_role("button", name="Register patient"))
    form.get_by_label("First name").fill("Siobhan")
    form.get_by_label("Last name").fill("obrien smith")
    form.get_by_label("Date of birth").fill("1979-04-12")
    form.get_by_role("button", name="Register patient").click()
    alert = rph.get_by_role("alert")
    assert "This patient may already be registered" in alert.inner_text()
    warning = rph.locator("#possible-duplicates").inner_text()
    assert f"Siobhan O'Brien-Smith · born 1979-04-12 · patient {registered['patient_id']}" in (
        warning)
    assert f"case {registered['case_id']} (active, Okafor & Lee)" in warning
    expect(rph.get_by_role("button", name="Create a new patient anyway")).to_be_visible()
    rph.screenshot(path=str(artifacts / "staff-duplicate-patient.png"), full_page=True)

    rph.get_by_role("link", name=f"Use patient {registered['patient_id']}").click()
    assert rph.get_by_label("Patient ID").input_value() == str(registered["patient_id"])

    rph.goto(f"{live_server}/staff/cases/{registered['case_id']}")
    rph.get_by_role("link", name="Clinical profile and outside medications").click()
    rph.get_by_label("Sex").select_option("female")
    rph.get_by_label("Creatinine clearance (mL/min)").fill("42")
    rph.get_by_role("button", name="Save clinical profile").click()
    assert rph.locator("#f-creatinine_clearance_on-error").inner_text().startswith(
        "Required with the creatinine clearance")
    rph.get_by_label("Creatinine clearance measured on").fill("2026-01-20")
    rph.get_by_label("Substance 1").fill("sulfa")
    rph.get_by_role("button", name="Save clinical profile").click()
    summary = rph.locator("#profile-summary").inner_text()
    assert "42 mL/min on 2026-01-20" in summary and "sulfa" in summary
    rph.get_by_role("textbox", name="Medication", exact=True).fill("Hydrocodone/APAP 5/325")
    rph.get_by_label("Active ingredient").fill("hydrocodone")
    rph.get_by_label("Source").select_option("pdmp")
    rph.get_by_role("button", name="Record outside medication").click()
    assert "hydrocodone" in rph.get_by_role("table").inner_text()
