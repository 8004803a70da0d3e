"""Edits after entry in a real browser, on a desk screen (1366 px) and a phone (375 px): a
pharmacist corrects a patient's name and date of birth past the possible-duplicate warning,
then corrects a prescriber's NPI after an invalid one is refused beside its field."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect

from lienrx.extensions import db
from tests import factories
from tests.formulary.factories import load_products, prescription

pytestmark = pytest.mark.browser

OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"
NEW_NPI = "1987654302"


@pytest.fixture
def desk(app):
    """A pharmacist; a patient with a case and a prescription; a second patient whose last
    name and birth date the first one's correction will match."""
    with app.app_context():
        rph = factories.user("pharmacist", name="Rita Pharm")
        firm = factories.law_firm("Okafor & Lee")
        patient = factories.patient(first_name="Jon", last_name="Smyth",
                                    date_of_birth=date(1980, 2, 3))
        factories.patient(first_name="Ana", last_name="Smith", date_of_birth=date(1980, 2, 3))
        case = factories.case(firm, patient_id=patient.id)
        doctor = factories.prescriber()  # Morgan Pain
        load_products("GABA-CAP-300")
        rx = prescription(case.id, doctor.id, "GABA-CAP-300")
        db.session.commit()
        return {"email": rph.email, "patient_id": patient.id, "rx_id": rx.id,
                "prescriber_id": doctor.id, "case_id": case.id}


@pytest.mark.parametrize("width", [1366, 375])
def test_pharmacist_edits_a_patient_and_a_prescriber(page, live_server, desk, artifacts,
                                                     width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server}/login")
    page.get_by_label("E-mail").fill(desk["email"])
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server}/staff/")

    page.goto(f"{live_server}/staff/patients/{desk['patient_id']}")
    identity = page.locator("form", has=page.get_by_role(
        "button", name="Save name and date of birth"))
    assert identity.get_by_label("Last name").input_value() == "Smyth"
    identity.get_by_label("Last name").fill("Smith")
    identity.get_by_role("button", name="Save name and date of birth").click()
    assert "This patient may already be registered" in page.get_by_role("alert").inner_text()
    assert "Ana Smith · born 1980-02-03" in page.locator("#possible-duplicates").inner_text()
    assert page.evaluate(OVERFLOW) <= 0
    page.screenshot(path=str(artifacts / f"staff-patient-edit-{width}.png"), full_page=True)
    page.get_by_role("button", name="Save anyway: not the same person").click()
    expect(page.get_by_text("Name and date of birth saved.")).to_be_visible()
    assert page.get_by_role("heading", level=1).inner_text().endswith("Jon Smith")

    page.goto(f"{live_server}/staff/prescriptions/{desk['rx_id']}")
    page.get_by_role("link", name="Edit prescriber").click()
    page.wait_for_url(f"{live_server}/staff/prescribers/{desk['prescriber_id']}/edit")
    page.get_by_label("NPI").fill("1234567890")
    page.get_by_role("button", name="Save prescriber").click()
    assert "NPI: Not a valid NPI" in page.get_by_role("alert").inner_text()
    expect(page.locator("#f-npi-error")).to_be_visible()
    page.get_by_label("NPI").fill(NEW_NPI)
    page.get_by_label("Credential").select_option("MD")
    page.get_by_label("Reason for the change").fill("NPI registry lookup")
    page.get_by_role("button", name="Save prescriber").click()
    expect(page.get_by_text(f"Prescriber Morgan Pain, MD (NPI {NEW_NPI}) saved.")).to_be_visible()
    assert page.get_by_label("NPI").input_value() == NEW_NPI
    assert page.evaluate(OVERFLOW) <= 0
    page.screenshot(path=str(artifacts / f"staff-prescriber-edit-{width}.png"), full_page=True)


@pytest.mark.parametrize("width", [1366, 375])
def test_pharmacist_edits_a_case_corrects_a_prescription_and_records_an_infusion(
        page, live_server, desk, artifacts, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server}/login")
    page.get_by_label("E-mail").fill(desk["email"])
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    case = f"{live_server}/staff/cases/{desk['case_id']}"
    page.goto(case)

    page.get_by_role("link", name="Edit case").click()
    page.get_by_label("Firm's file number").fill("OL-2291")
    page.get_by_label("Reason for the change").fill("The firm sent its file number")
    page.get_by_role("button", name="Save case").click()
    page.wait_for_url(case)
    expect(page.get_by_role("status")).to_contain_text("Case saved.")
    expect(page.get_by_text("OL-2291").first).to_be_visible()

    treatments = page.locator("section", has=page.get_by_role("heading", name="Outside treatments"))
    treatments.get_by_role("combobox", name="Treatment").select_option(index=1)
    treatments.get_by_label("Started on").fill("2026-11-02")
    treatments.get_by_label("Ended on").fill("2026-11-06")
    treatments.get_by_label("Facility").fill("Music City Infusion Center")
    treatments.get_by_label("Protocol").fill("5 days, 4 hours a day")
    treatments.get_by_role("button", name="Record outside treatment").click()
    page.wait_for_url(f"{case}#h-treatments")
    expect(page.locator("#external-treatments")).to_contain_text("Music City Infusion Center")
    assert page.evaluate(OVERFLOW) <= 0
    page.screenshot(path=str(artifacts / f"staff-case-edited-{width}.png"), full_page=True)

    prescription = f"{live_server}/staff/prescriptions/{desk['rx_id']}"
    page.goto(prescription)
    page.get_by_role("link", name="Correct or add a clarification").click()
    page.get_by_label("Indication").fill("Complex regional pain syndrome, right leg")
    page.get_by_role("button", name="Save correction and run DUR").click()
    expect(page.locator("#f-reason-error")).to_be_visible()  # a correction says why
    page.get_by_label("Reason for the correction").fill("Prescriber's office clarified")
    page.get_by_role("button", name="Save correction and run DUR").click()
    page.wait_for_url(prescription)
    expect(page.get_by_role("status")).to_contain_text(
        f"Prescription RX{desk['rx_id']:07d} corrected")
    expect(page.get_by_text("Complex regional pain syndrome, right leg")).to_be_visible()
    assert page.evaluate(OVERFLOW) <= 0
