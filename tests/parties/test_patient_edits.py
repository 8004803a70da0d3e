"""Editing a patient after registration (issue 19): the name and date of birth from the
patient page, under the duplicate rule (SPEC §7.3), the blind indexes following them, and an
audit event that names the fields changed and never their values (all of them are PHI)."""

from __future__ import annotations

import re
from datetime import date

import pytest
import sqlalchemy as sa

from lienrx.audit.models import AuditEvent
from lienrx.extensions import db
from lienrx.parties import services as parties
from lienrx.parties.models import Patient
from tests import factories
from tests.parties.helpers import PATIENT, patch
from tests.staff.conftest import sign_in, text


@pytest.fixture
def staff(app):
    return lambda role: sign_in(app, role)


def edited_events(app, patient_id):
    with app.app_context():
        return [e.details for e in db.session.execute(
            sa.select(AuditEvent).where(AuditEvent.action == "patient.edited",
                                        AuditEvent.entity_id == str(patient_id))
            .order_by(AuditEvent.id)).scalars()]


def identity(first="Jordan", last="Rivera", born="1985-03-14", **extra):
    return {"identity-first_name": first, "identity-last_name": last,
            "identity-date_of_birth": born, **extra}


def test_patient_edit_audits_fields_changed_without_phi(app, staff, world):
    tech = staff("technician")
    with app.app_context():
        old_last = db.session.get(Patient, world.patient_id).last_name
    response = tech.post(f"/staff/patients/{world.patient_id}/identity",
                         data=identity(first="Jordana", last="Rivera-Soto", born="1985-04-14"))
    assert response.status_code == 302
    response = tech.post(f"/staff/patients/{world.patient_id}/profile",
                         data={"phone": "615-555-0123", "address": "9 Oak Ave", "sex": "female",
                               "weight_kg": "70", "height_cm": "165"})
    assert response.status_code == 302
    identity_event, profile_event = edited_events(app, world.patient_id)
    assert identity_event == {"fields": ["date_of_birth", "first_name", "last_name"],
                              "changes": {}}
    # no allergy row filled in records "no known allergies"
    assert profile_event["fields"] == ["address", "allergies", "height_cm", "phone", "sex",
                                       "weight_kg"]
    assert profile_event["changes"] == {}
    logged = str([identity_event, profile_event])
    for phi in ("Jordana", "Rivera-Soto", old_last, "1985", "615-555", "Oak", "female", "70"):
        assert phi not in logged
    page = text(tech.get(f"/staff/patients/{world.patient_id}"))
    assert f"Patient {world.patient_id}: Jordana Rivera-Soto" in page


def test_editing_name_and_dob_recomputes_the_lookup_index(app, staff, world):
    staff("pharmacist").post(f"/staff/patients/{world.patient_id}/identity",
                             data=identity(last="Okafor", born="1979-11-02"))
    with app.app_context():
        patient = db.session.get(Patient, world.patient_id)
        assert patient.lookup_index == parties.patient_lookup_index("Okafor", date(1979, 11, 2))
        assert patient.duplicate_index == parties.patient_duplicate_index(
            "Okafor", date(1979, 11, 2))
        found = parties.find_patients(None, "Okafor", date(1979, 11, 2)).items
        assert [p.id for p in found] == [world.patient_id]
        assert parties.find_patients(None, "Rivera", date(1985, 3, 14)).items == []
        # encrypted at rest: neither the new name nor the birth date is stored in the clear
        raw = db.session.execute(sa.text(
            "SELECT last_name, date_of_birth FROM patients WHERE id = :id"),
            {"id": world.patient_id}).one()
        assert "Okafor" not in str(raw[0]) and "1979" not in str(raw[1])


def test_name_change_matching_another_patient_warns_possible_duplicate_until_confirmed(
        app, staff, world):
    with app.app_context():
        other = factories.patient(first_name="Ana", last_name="López-García",
                                  date_of_birth=date(1980, 2, 3)).id
        db.session.commit()
    tech = staff("technician")
    change = identity(first="Ana", last="lopez garcia", born="1980-02-03")
    response = tech.post(f"/staff/patients/{world.patient_id}/identity", data=change)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert 'id="possible-duplicates"' in page and f"patient {other}" in page
    assert "Save anyway: not the same person" in page
    with app.app_context():
        assert db.session.get(Patient, world.patient_id).last_name != "lopez garcia"
    response = tech.post(f"/staff/patients/{world.patient_id}/identity",
                         data={**change, "identity-confirm_new": "y"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Patient, world.patient_id).last_name == "lopez garcia"


def test_keeping_the_same_name_and_dob_is_no_duplicate_of_itself(app, staff, world):
    with app.app_context():
        patient = db.session.get(Patient, world.patient_id)
        same = identity(first="Jo", last=patient.last_name, born=patient.date_of_birth)
    response = staff("technician").post(f"/staff/patients/{world.patient_id}/identity",
                                        data=same)
    assert response.status_code == 302
    assert edited_events(app, world.patient_id)[-1]["fields"] == ["first_name"]


def test_patient_identity_errors_shown_next_to_fields_by_label(app, staff, world):
    response = staff("technician").post(f"/staff/patients/{world.patient_id}/identity",
                                        data=identity(last="", born="2999-01-01"))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert re.search(r'id="f-identity-last_name-error">[^<]+<', page)
    assert re.search(r'id="f-identity-date_of_birth-error">[^<]+<', page)
    summary = text(response)
    assert "Last name:" in summary and "Date of birth:" in summary


def test_billing_cannot_edit_a_patient(staff, world):
    response = staff("billing").post(f"/staff/patients/{world.patient_id}/identity",
                                     data=identity())
    assert response.status_code == 403


def test_patch_patient_still_edits_the_profile_and_audits_fields(app, api_as):
    tech = api_as("technician")
    patient_id = tech.post("/api/v1/patients", json=PATIENT).json["id"]
    response = patch(tech, f"/api/v1/patients/{patient_id}",
                     {"phone": "615-555-0100", "email": "jordan@example.test"})
    assert response.status_code == 200 and response.json["phone"] == "615-555-0100"
    # the e-mail sent is what was recorded: only the phone changed
    assert edited_events(app, patient_id) == [{"fields": ["phone"], "changes": {}}]
