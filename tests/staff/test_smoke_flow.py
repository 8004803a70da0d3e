"""Intake to closed lien through the pages with the test client (no browser)."""

import re
from datetime import timedelta

from lienrx.core import clock
from lienrx.extensions import db
from tests.factories import PASSWORD, VALID_DEA, VALID_NPIS
from tests.formulary.factories import KETAMINE, receive_lot
from tests.staff.confirming import confirmed
from tests.staff.conftest import text


def location_id(response, pattern):
    found = re.search(pattern, response.headers["Location"])
    assert found, response.headers.get("Location")
    return int(found.group(1))


def test_pages_take_a_client_from_intake_to_a_closed_lien(app, staff, products):
    today = clock.today()
    with app.app_context():  # the lot the technician weighs the ketamine from
        receive_lot(KETAMINE, "L0", 100)
        db.session.commit()
    desk, tech, rph, rph2 = (staff("billing"), staff("technician"), staff("pharmacist"),
                             staff("pharmacist"))
    r = desk.post("/staff/intake/law-firms", data={"firm-name": "Smith Injury Law"})
    assert r.status_code == 302
    r = desk.post("/staff/intake/patients", data={"patient-first_name": "Ana",
                                                  "patient-last_name": "Lopez",
                                                  "patient-date_of_birth": "1980-02-03"})
    patient_id = int(re.search(r"patient_id=(\d+)", r.headers["Location"]).group(1))
    page = desk.get(f"/staff/cases/new?patient_id={patient_id}")
    assert page.status_code == 200
    firm_id = re.search(r'<option value="(\d+)">Smith Injury Law', page.get_data(as_text=True))
    r = desk.post("/staff/cases/new", data={
        "patient_id": patient_id, "law_firm_id": firm_id.group(1),
        "date_of_injury": (today - timedelta(days=60)).isoformat(),
        "injury_mechanism": "motor_vehicle", "jurisdiction": "tn",
        "dx-0-icd10": "G90.512", "dx-0-laterality": "left", "dx-0-source": "consult"})
    case_id = location_id(r, r"/cases/(\d+)")
    r = desk.post(f"/staff/cases/{case_id}/lien-agreement",
                  data={"signed_on": today.isoformat(), "patient_signed": "on",
                        "non_recourse": "on"})
    assert r.status_code == 302
    r = tech.post("/staff/intake/prescribers", data={
        "prescriber-first_name": "Morgan", "prescriber-last_name": "Pain",
        "prescriber-npi": VALID_NPIS[0], "prescriber-dea_number": VALID_DEA})
    assert r.status_code == 302, text(r)
    form = tech.get(f"/staff/cases/{case_id}/prescriptions/new").get_data(as_text=True)
    prescriber_id = re.search(r'<option value="(\d+)">Morgan Pain', form).group(1)
    r = tech.post(f"/staff/cases/{case_id}/prescriptions/new", data={
        "product_id": products["KET-CRM-10"], "prescriber_id": prescriber_id,
        "sig": "Apply 1 g three times daily", "quantity": "30", "days_supply": "30",
        "refills_authorized": "2", "written_on": today.isoformat(),
        "diagnosis_codes": "G90.512", "indication": "Allodynia of the left wrist"})
    rx_id = location_id(r, r"/prescriptions/(\d+)")
    batch_form = tech.get(f"/staff/batches/new?product_id={products['KET-CRM-10']}")
    assert batch_form.status_code == 200
    html = batch_form.get_data(as_text=True)
    data = {"product_id": products["KET-CRM-10"], "quantity": "100", "action": "save"}
    for n in range(3):
        data[f"ingredients.{n}.component"] = re.search(
            rf'name="ingredients.{n}.component" value="([^"]+)"', html).group(1)
        data[f"ingredients.{n}.quantity"] = re.search(  # weighed to the target shown
            rf'id="target-{n}">(?:q\.s\. ≈ )?([0-9.]+) g<', html).group(1)
        data[f"ingredients.{n}.unit"] = "g"
        data[f"ingredients.{n}.lot_number"] = f"L{n}"
        data[f"ingredients.{n}.expiration_date"] = (today + timedelta(days=400)).isoformat()
    data["ingredients.0.ndc"] = "38779-0466-05"  # the drug substance's bulk NDC
    data["qc_results.appearance"] = "smooth, uniform white cream"
    r = tech.post("/staff/batches/new", data=data)
    batch_id = location_id(r, r"/batches/(\d+)")
    assert confirmed(rph, f"/staff/batches/{batch_id}/verify", {
        "qc_results.final_weight": "99.8", "qc_results.pH": "5.2"}).status_code == 302
    page = rph2.get(f"/staff/prescriptions/{rx_id}")
    assert "Patient pays $0.00" in text(page)
    r = rph2.post(f"/staff/prescriptions/{rx_id}/dispense", data={
        "compounding_record_id": batch_id, "quantity": "30", "days_supply": "30"})
    dispense_id = location_id(r, r"/dispenses/(\d+)")
    shown = text(rph2.get(f"/staff/dispenses/{dispense_id}"))
    assert "Patient pays $0.00" in shown
    assert "Print label" in shown
    assert rph2.get(f"/staff/dispenses/{dispense_id}/label").status_code == 200
    assert rph2.get(f"/staff/cases/{case_id}/attestation").status_code == 200
    r = confirmed(rph2, f"/staff/cases/{case_id}/attestation", {"narrative": "Helps CRPS.",
                                                                   "password": PASSWORD})
    assert r.status_code == 302, text(r)
    assert desk.get(f"/staff/billing/cases/{case_id}?wi-gross=50000&wi-attorney_fees=16666.67"
                    "&wi-costs=1000").status_code == 200
    r = desk.post(f"/staff/billing/cases/{case_id}/settle", data={
        "settle-settled_on": today.isoformat(), "settle-gross_amount": "50000",
        "settle-attorney_fees": "16666.67", "settle-costs": "1000"})
    assert r.status_code == 302, text(r)
    r = desk.post(f"/staff/billing/cases/{case_id}/pay", data={
        "pay-amount": "100.00", "pay-received_on": today.isoformat(),
        "pay-reference": "CHK 1001"})
    assert r.status_code == 302, text(r)
    r = confirmed(desk, f"/staff/billing/cases/{case_id}/close", {
        "close-outcome": "paid", "close-reason": "Agreed reduced payoff"})
    assert r.status_code == 302, text(r)
    assert "closed" in text(desk.get(f"/staff/billing/cases/{case_id}"))
    assert desk.get("/staff/billing/").status_code == 200
    assert desk.get("/staff/billing/export?download=1").status_code == 200
    for who in (desk, tech, rph):
        assert who.get("/staff/").status_code == 200
