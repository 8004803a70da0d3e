"""The patient's page and the intake duplicate warning, through the pages (no browser): the
clinical profile and outside medications are recorded with the API's schemas and services,
errors sit next to their fields, and a possible duplicate is shown with its cases."""

import re
from datetime import date

import sqlalchemy as sa

from lienrx.audit.models import AuditEvent
from lienrx.core import clock
from lienrx.extensions import db
from lienrx.parties import services as parties
from tests import factories
from tests.staff.conftest import text

TWIN = {"patient-first_name": "Ana", "patient-last_name": "López-García",
        "patient-date_of_birth": "1980-02-03"}


def error_of(response, field):
    found = re.search(rf'id="f-{field}-error">([^<]+)<', response.get_data(as_text=True))
    return found.group(1) if found else None


def audited(app, user_id, action):
    with app.app_context():
        return db.session.execute(sa.select(sa.func.count(AuditEvent.id)).where(
            AuditEvent.actor_user_id == user_id, AuditEvent.action == action)).scalar_one()


def test_patient_page_shows_the_profile_and_outside_medications_with_audited_reads(
        app, staff, world):
    with app.app_context():
        parties.update_patient(None, world.patient_id, sex="female",
                               allergies=[{"substance": "codeine", "reaction": "rash",
                                           "severity": None}])
        parties.record_outside_medication(None, world.patient_id, name="Tramadol 50 mg",
                                          ingredient="tramadol", source="pdmp")
        db.session.commit()
    rph = staff("pharmacist")
    shown = text(rph.get(f"/staff/patients/{world.patient_id}"))
    assert "Sex female" in shown and "codeine (rash)" in shown
    assert "Tramadol 50 mg tramadol — pdmp — taking" in shown
    assert f"Case {world.case_id} (active" in shown
    assert audited(app, rph.user_id, "patient.read") == 1
    assert audited(app, rph.user_id, "outside_medication.read") == 1


def test_the_case_page_links_to_the_patients_clinical_profile(staff, world):
    page = staff("pharmacist").get(f"/staff/cases/{world.case_id}").get_data(as_text=True)
    assert f'href="/staff/patients/{world.patient_id}"' in page


def test_profile_form_records_the_profile_and_a_blank_field_clears_it(app, staff, world):
    tech = staff("technician")
    path = f"/staff/patients/{world.patient_id}"
    r = tech.post(f"{path}/profile", data={
        "sex": "male", "weight_kg": "80.5", "height_cm": "180", "creatinine_clearance": "52",
        "creatinine_clearance_on": "2026-01-10", "allergy-0-substance": "penicillin",
        "allergy-0-reaction": "anaphylaxis", "allergy-0-severity": "severe",
        "allergy-1-substance": "", "allergy-3-substance": "latex"})
    assert r.status_code == 302
    shown = text(tech.get(path))
    assert "Weight 80.5 kg" in shown and "Creatinine clearance 52 mL/min on 2026-01-10" in shown
    assert "penicillin (anaphylaxis, severe); latex" in shown
    r = tech.post(f"{path}/profile", data={"sex": "male", "weight_kg": "", "height_cm": "180"})
    assert r.status_code == 302
    with app.app_context():
        patient = parties.read_patient(None, world.patient_id)
        assert (patient.weight_kg, patient.creatinine_clearance, patient.allergies) == (
            None, None, [])
        assert patient.phone is None  # a blank field clears: the form shows every field


def test_profile_form_errors_sit_next_to_their_fields(staff, world):
    r = staff("pharmacist").post(f"/staff/patients/{world.patient_id}/profile", data={
        "weight_kg": "4000", "creatinine_clearance": "40",
        "allergy-0-substance": "", "allergy-0-reaction": "hives"})
    assert r.status_code == 422
    assert error_of(r, "weight_kg") == "Must be between 0.5 and 400 kg."
    assert error_of(r, "creatinine_clearance_on").startswith("Required with the creatinine")
    assert error_of(r, "allergies-0-substance") == "This field is required."
    page = r.get_data(as_text=True)
    assert 'value="hives"' in page and 'value="4000"' in page  # what was typed stays
    assert "Weight (kg): Must be between" in text(r)  # the summary names the label


def test_outside_medication_recorded_and_stopped_on_the_page(app, staff, world):
    tech = staff("technician")
    path = f"/staff/patients/{world.patient_id}"
    r = tech.post(f"{path}/outside-medications", data={
        "med-name": "Oxycodone 5 mg", "med-ingredient": "oxycodone",
        "med-dose_mg_per_day": "15", "med-source": "other_pharmacy",
        "med-started_on": "2025-12-01"})
    assert r.status_code == 302
    with app.app_context():
        (med,) = parties.active_outside_medications(world.patient_id, clock.today())
        med_id = med.id
    assert "Oxycodone 5 mg oxycodone 15 mg/day other pharmacy 2025-12-01 taking" in text(
        tech.get(path))
    r = tech.post(f"{path}/outside-medications/{med_id}/stop",
                  data={f"stop-{med_id}-stopped_on": "2025-11-01"})
    assert r.status_code == 422
    assert error_of(r, f"stop-{med_id}-stopped_on") == "Must not be before the day it was started."
    r = tech.post(f"{path}/outside-medications/{med_id}/stop",
                  data={f"stop-{med_id}-stopped_on": clock.today().isoformat()})
    assert r.status_code == 302
    with app.app_context():
        assert parties.active_outside_medications(world.patient_id, clock.today()) == []


def test_outside_medication_form_errors_sit_next_to_their_fields(staff, world):
    r = staff("pharmacist").post(f"/staff/patients/{world.patient_id}/outside-medications",
                                 data={"med-name": "Something", "med-source": "neighbour"})
    assert r.status_code == 422
    assert error_of(r, "med-ingredient") == "This field is required."
    assert error_of(r, "med-source").startswith("Choose one of")


def test_billing_sees_the_profile_but_records_none_of_it(staff, world):
    desk = staff("billing")
    page = desk.get(f"/staff/patients/{world.patient_id}")
    assert page.status_code == 200
    assert "Save clinical profile" not in text(page)
    assert desk.post(f"/staff/patients/{world.patient_id}/profile",
                     data={"sex": "male"}).status_code == 403
    assert desk.post(f"/staff/patients/{world.patient_id}/outside-medications",
                     data={"med-name": "x"}).status_code == 403


def test_a_registered_technician_goes_on_to_the_patients_clinical_profile(staff):
    r = staff("technician").post("/staff/intake/patients", data=TWIN)
    assert r.status_code == 302
    assert re.search(r"/staff/patients/\d+$", r.headers["Location"])


def test_intake_shows_a_possible_duplicate_with_its_cases(app, staff):
    with app.app_context():
        firm = factories.law_firm("Okafor & Lee")
        existing = factories.patient(first_name="Ana", last_name="Lopez Garcia",
                                     date_of_birth=date(1980, 2, 3))
        case = factories.case(firm, patient_id=existing.id)
        db.session.commit()
        existing_id, case_id = existing.id, case.id
    desk = staff("billing")
    r = desk.post("/staff/intake/patients", data=TWIN)
    assert r.status_code == 409
    shown = text(r)
    assert "Refused: This patient may already be registered." in shown
    assert (f"Ana Lopez Garcia · born 1980-02-03 · patient {existing_id} · case {case_id} "
            f"(active, Okafor & Lee)") in shown
    page = r.get_data(as_text=True)
    assert f'href="/staff/cases/new?patient_id={existing_id}">Use patient {existing_id}' in page
    assert 'value="López-García"' in page  # the form keeps what was typed
    assert audited(app, desk.user_id, "patient.read") == 1  # the match shown was a PHI read


def test_create_a_new_patient_anyway_registers_the_second_patient(app, staff):
    desk = staff("billing")
    assert desk.post("/staff/intake/patients", data=TWIN).status_code == 302
    assert desk.post("/staff/intake/patients", data=TWIN).status_code == 409
    r = desk.post("/staff/intake/patients", data={**TWIN, "patient-confirm_new": "y"})
    assert r.status_code == 302
    with app.app_context():
        found = parties.find_patients(None, "López-García", date(1980, 2, 3))
        assert found.total == 2
