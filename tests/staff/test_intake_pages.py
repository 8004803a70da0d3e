"""Intake pages: the API's schemas and services validate, errors sit next to their fields,
and roles the API refuses are refused here too."""

import re
from datetime import timedelta

from lienrx.core import clock
from lienrx.extensions import db
from tests import factories
from tests.staff.conftest import text


def error_of(response, field):
    """The message shown next to ``field`` (its id is f-<field>-error)."""
    found = re.search(rf'id="f-{field}-error">([^<]+)<', response.get_data(as_text=True))
    return found.group(1) if found else None


def test_bad_npi_and_dea_are_shown_next_to_their_fields(staff):
    tech = staff("technician")
    r = tech.post("/staff/intake/prescribers", data={
        "prescriber-first_name": "A", "prescriber-last_name": "B",
        "prescriber-npi": "1234567890", "prescriber-dea_number": "AP5836728"})
    assert r.status_code == 422
    assert "correct check digit" in error_of(r, "prescriber-npi")
    assert "DEA number" in error_of(r, "prescriber-dea_number")
    assert 'aria-invalid="true"' in r.get_data(as_text=True)


def test_patient_without_a_last_name_is_refused_on_the_field(staff):
    r = staff("billing").post("/staff/intake/patients", data={
        "patient-first_name": "Ana", "patient-date_of_birth": "1980-02-31"})
    assert r.status_code == 422
    assert error_of(r, "patient-last_name") == "This field is required."
    assert error_of(r, "patient-date_of_birth") == "Enter a real date."


def test_patient_search_finds_by_last_name_and_birth_date(app, staff):
    with app.app_context():
        factories.patient(first_name="Ana", last_name="Lopez", date_of_birth=clock.today()
                          - timedelta(days=365 * 40))
        db.session.commit()
    dob = (clock.today() - timedelta(days=365 * 40)).isoformat()
    shown = text(staff("technician").get(f"/staff/intake?last_name=lopez&date_of_birth={dob}"))
    assert "Matches: 1" in shown and "Ana Lopez" in shown


def test_prescriber_search_by_npi(app, staff):
    with app.app_context():
        factories.prescriber(npi=factories.VALID_NPIS[1])
        db.session.commit()
    shown = text(staff("pharmacist").get(f"/staff/intake?q={factories.VALID_NPIS[1]}"))
    assert f"NPI {factories.VALID_NPIS[1]}" in shown


def test_crps_i_and_ii_on_the_same_limb_is_refused_with_the_reason(staff, world):
    desk = staff("billing")
    r = desk.post("/staff/cases/new", data={
        "patient_id": world.patient_id, "law_firm_id": world.firm_id,
        "date_of_injury": "2025-01-02", "injury_mechanism": "crush", "jurisdiction": "TN",
        "dx-0-icd10": "G90.511", "dx-1-icd10": "G56.41", "dx-2-icd10": "g905"})
    assert r.status_code == 422
    assert "not a billable CRPS code" in error_of(r, "diagnoses-2-icd10")
    r = desk.post("/staff/cases/new", data={
        "patient_id": world.patient_id, "law_firm_id": world.firm_id,
        "date_of_injury": "2025-01-02", "injury_mechanism": "crush", "jurisdiction": "TN",
        "dx-0-icd10": "G90.511", "dx-1-icd10": "G56.41"})
    assert "same limb" in error_of(r, "diagnoses")


def test_case_form_suggests_crps_codes_by_name(staff):
    shown = staff("pharmacist").get("/staff/cases/new").get_data(as_text=True)
    assert '<option value="G90.512">G90.512 — CRPS I, left upper limb</option>' in shown


def test_case_without_diagnoses_or_state_is_refused_on_the_fields(staff, world):
    r = staff("billing").post("/staff/cases/new", data={
        "patient_id": world.patient_id, "law_firm_id": world.firm_id,
        "date_of_injury": "2025-01-02", "injury_mechanism": "crush", "jurisdiction": "XX"})
    assert r.status_code == 422
    assert error_of(r, "jurisdiction") == "Use a two-letter US state code, e.g. TN."
    assert error_of(r, "diagnoses") == "Length must be between 1 and 40."


def test_lien_agreement_needs_the_patients_signature(app, staff, world):
    with app.app_context():
        case = factories.case(db.session.get(factories.LawFirm, world.firm_id), active=False)
        db.session.commit()
        case_id = case.id
    desk = staff("billing")
    r = desk.post(f"/staff/cases/{case_id}/lien-agreement",
                  data={"signed_on": clock.today().isoformat()})
    assert r.status_code == 422
    assert error_of(r, "patient_signed") == "The patient must sign the lien agreement."
    r = desk.post(f"/staff/cases/{case_id}/lien-agreement",
                  data={"signed_on": clock.today().isoformat(), "patient_signed": "on"})
    assert r.status_code == 302
    assert "active" in text(desk.get(f"/staff/cases/{case_id}"))


def test_roles_the_api_refuses_are_refused_and_hidden(staff, world):
    tech, rph = staff("technician"), staff("pharmacist")
    assert tech.post("/staff/intake/law-firms", data={"name": "X"}).status_code == 403
    assert tech.post(f"/staff/cases/{world.case_id}/lien-agreement",
                     data={"signed_on": "2025-01-01", "patient_signed": "on"}).status_code == 403
    assert tech.get("/staff/cases/new").status_code == 403
    assert staff("billing").post("/staff/intake/prescribers", data={}).status_code == 403
    assert "Register a law firm" not in text(tech.get("/staff/intake"))
    assert "Record lien agreement" not in text(rph.get(f"/staff/cases/{world.case_id}"))
    assert staff("attorney").get("/staff/").status_code == 403


def test_signed_out_visitors_are_sent_to_sign_in(client):
    r = client.get("/staff/intake")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
