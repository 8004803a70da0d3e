"""Patients: PHI encrypted at rest, found by blind index, every read audited."""

import sqlalchemy as sa

from lienrx.audit.models import AuditEvent
from lienrx.extensions import db

PATIENT = {"first_name": "Jordan", "last_name": "Rivera", "date_of_birth": "1985-03-14",
           "phone": "615-555-0199", "email": "jordan@example.test", "address": "1 Elm St"}


def test_create_patient_201(api_as):
    response = api_as("technician").post("/api/v1/patients", json=PATIENT)
    assert response.status_code == 201
    assert response.json["last_name"] == "Rivera"
    assert response.json["date_of_birth"] == "1985-03-14"


def test_phi_is_encrypted_at_rest(api_as, ctx):
    api_as("technician").post("/api/v1/patients", json=PATIENT)
    raw = db.session.execute(sa.text(
        "SELECT first_name, last_name, date_of_birth, phone, email, address, lookup_index "
        "FROM patients")).one()
    stored = " ".join(raw)
    for value in PATIENT.values():
        assert value not in stored
    assert all(col.startswith("gAAAA") for col in raw[:6])  # Fernet tokens


def test_patient_read_is_audited_without_phi(api_as, ctx):
    billing = api_as("billing")
    patient_id = api_as("technician").post("/api/v1/patients", json=PATIENT).json["id"]
    assert billing.get(f"/api/v1/patients/{patient_id}").status_code == 200
    event = db.session.execute(
        sa.select(AuditEvent).where(AuditEvent.action == "patient.read")).scalar_one()
    assert event.actor_user_id == billing.user_id
    assert event.entity_id == str(patient_id)
    assert event.request_id
    assert "Rivera" not in str(event.details)


def test_patient_search_by_blind_index(api_as):
    tech = api_as("technician")
    tech.post("/api/v1/patients", json=PATIENT)
    tech.post("/api/v1/patients", json={**PATIENT, "last_name": "Other"})
    found = tech.get("/api/v1/patients?last_name=  RIVERA &date_of_birth=1985-03-14").json
    assert [p["last_name"] for p in found] == ["Rivera"]
    assert tech.get("/api/v1/patients?last_name=Rivera&date_of_birth=1985-03-15").json == []


def test_patient_future_birth_date_422(api_as):
    response = api_as("technician").post("/api/v1/patients",
                                         json={**PATIENT, "date_of_birth": "2999-01-01"})
    assert response.status_code == 422
    assert "date_of_birth" in response.json["errors"]


def test_patient_missing_fields_422(api_as):
    response = api_as("technician").post("/api/v1/patients", json={"first_name": "  "})
    assert response.status_code == 422
    assert set(response.json["errors"]) == {"first_name", "last_name", "date_of_birth"}


def test_unknown_patient_404(api_as):
    response = api_as("pharmacist").get("/api/v1/patients/999999")
    assert response.status_code == 404
    assert response.json["code"] == "not_found"


def test_attorneys_and_admins_cannot_read_patients_directly(api_as):
    patient_id = api_as("technician").post("/api/v1/patients", json=PATIENT).json["id"]
    assert api_as("admin").get(f"/api/v1/patients/{patient_id}").status_code == 403
    assert api_as("attorney").get(f"/api/v1/patients/{patient_id}").status_code == 403


def test_error_messages_never_echo_phi(api_as):
    response = api_as("technician").post("/api/v1/patients",
                                         json={**PATIENT, "date_of_birth": "Rivera-secret"})
    assert response.status_code == 422
    assert "Rivera-secret" not in response.get_data(as_text=True)
