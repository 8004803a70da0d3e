"""The patient's clinical profile (SPEC §7.3): recorded at registration or by PATCH, checked
field by field, encrypted at rest, shown to staff and never to attorneys."""

from datetime import timedelta

import sqlalchemy as sa

from lienrx.audit.models import AuditEvent
from lienrx.core import clock
from lienrx.extensions import db
from tests.parties.helpers import PATIENT, patch

PROFILE = {"sex": "female", "weight_kg": 72.5, "height_cm": 168,
           "allergies": [{"substance": "sulfamethoxazole", "reaction": "hives",
                          "severity": "moderate"}, {"substance": "latex"}],
           "creatinine_clearance": 48, "creatinine_clearance_on": "2026-01-05"}
CLINICAL = ("sex", "weight_kg", "height_cm", "allergies", "creatinine_clearance",
            "creatinine_clearance_on")


def test_clinical_profile_recorded_at_registration_and_returned_to_staff(api_as):
    created = api_as("technician").post("/api/v1/patients", json={**PATIENT, **PROFILE})
    assert created.status_code == 201, created.json
    for reader in ("pharmacist", "technician", "billing"):
        body = api_as(reader).get(f"/api/v1/patients/{created.json['id']}").json
        assert {k: body[k] for k in CLINICAL} == {
            **PROFILE, "allergies": [PROFILE["allergies"][0],
                                     {"substance": "latex", "reaction": None, "severity": None}]}


def test_a_patient_registered_without_a_profile_shows_it_unrecorded(api_as):
    body = api_as("technician").post("/api/v1/patients", json=PATIENT).json
    assert {k: body[k] for k in CLINICAL} == dict.fromkeys(CLINICAL)


def test_clinical_profile_is_encrypted_at_rest(api_as, ctx):
    api_as("technician").post("/api/v1/patients", json={**PATIENT, **PROFILE})
    raw = db.session.execute(sa.text(
        "SELECT sex, weight_kg, height_cm, allergies, creatinine_clearance, "
        "creatinine_clearance_on FROM patients")).one()
    stored = " ".join(str(v) for v in raw)
    for secret in ("female", "72.5", "168", "sulfamethoxazole", "hives", "latex", "2026-01-05"):
        assert secret not in stored
    assert all(str(v).strip('"').startswith("gAAAA") for v in raw)


def test_profile_patch_sets_the_fields_sent_and_null_clears_one(api_as):
    patient_id = api_as("technician").post("/api/v1/patients",
                                           json={**PATIENT, **PROFILE}).json["id"]
    rph = api_as("pharmacist")
    changed = patch(rph, f"/api/v1/patients/{patient_id}",
                    {"weight_kg": 70.1, "allergies": [], "height_cm": None,
                     "creatinine_clearance": 29, "creatinine_clearance_on": "2026-02-01",
                     "address": "2 Oak Ave"})
    assert changed.status_code == 200, changed.json
    body = rph.get(f"/api/v1/patients/{patient_id}").json
    assert body["weight_kg"] == 70.1 and body["height_cm"] is None
    assert body["allergies"] == []  # recorded: no known allergies
    assert (body["creatinine_clearance"], body["creatinine_clearance_on"]) == (29, "2026-02-01")
    assert body["address"] == "2 Oak Ave"
    assert body["sex"] == "female" and body["last_name"] == "Rivera"  # not sent: unchanged


def test_profile_patch_is_for_pharmacists_and_technicians(api_as):
    patient_id = api_as("technician").post("/api/v1/patients", json=PATIENT).json["id"]
    for role in ("billing", "attorney", "admin"):
        response = patch(api_as(role), f"/api/v1/patients/{patient_id}", {"sex": "male"})
        assert response.status_code == 403
        assert response.json["code"] == "forbidden"
    assert patch(api_as("technician"), f"/api/v1/patients/{patient_id}",
                 {"sex": "male"}).status_code == 200


def test_profile_patch_of_an_unknown_patient_is_404(api_as):
    response = patch(api_as("pharmacist"), "/api/v1/patients/999999", {"sex": "male"})
    assert response.status_code == 404


def test_profile_patch_never_changes_the_name_or_birth_date(api_as):
    patient_id = api_as("technician").post("/api/v1/patients", json=PATIENT).json["id"]
    rph = api_as("pharmacist")
    assert patch(rph, f"/api/v1/patients/{patient_id}",
                 {"last_name": "Else", "date_of_birth": "1990-01-01"}).status_code == 200
    body = rph.get(f"/api/v1/patients/{patient_id}").json
    assert (body["last_name"], body["date_of_birth"]) == ("Rivera", "1985-03-14")


def test_creatinine_clearance_needs_its_date(api_as):
    tech = api_as("technician")
    response = tech.post("/api/v1/patients", json={**PATIENT, "creatinine_clearance": 45})
    assert response.status_code == 422
    assert list(response.json["errors"]) == ["creatinine_clearance_on"]
    response = tech.post("/api/v1/patients",
                         json={**PATIENT, "creatinine_clearance_on": "2026-01-05"})
    assert response.status_code == 422
    assert list(response.json["errors"]) == ["creatinine_clearance"]
    patient_id = tech.post("/api/v1/patients", json={**PATIENT, **PROFILE}).json["id"]
    response = patch(tech, f"/api/v1/patients/{patient_id}", {"creatinine_clearance": None})
    assert response.status_code == 422
    assert list(response.json["errors"]) == ["creatinine_clearance_on"]
    cleared = patch(tech, f"/api/v1/patients/{patient_id}",
                    {"creatinine_clearance": None, "creatinine_clearance_on": None})
    assert cleared.status_code == 200
    assert cleared.json["creatinine_clearance"] is None


def test_creatinine_clearance_date_is_not_in_the_future(api_as):
    tomorrow = (clock.today() + timedelta(days=1)).isoformat()
    response = api_as("technician").post("/api/v1/patients", json={
        **PATIENT, "creatinine_clearance": 45, "creatinine_clearance_on": tomorrow})
    assert response.status_code == 422
    assert response.json["errors"] == {"creatinine_clearance_on": ["Must not be in the future."]}


def test_implausible_weight_height_and_clearance_are_refused_by_field(api_as):
    response = api_as("technician").post("/api/v1/patients", json={
        **PATIENT, "weight_kg": 4000, "height_cm": 2, "creatinine_clearance": 900,
        "creatinine_clearance_on": "2026-01-05"})
    assert response.status_code == 422
    assert response.json["errors"] == {
        "weight_kg": ["Must be between 0.5 and 400 kg."],
        "height_cm": ["Must be between 30 and 250 cm."],
        "creatinine_clearance": ["Must be between 1 and 250 mL/min."]}
    assert api_as("pharmacist").get("/api/v1/patients?last_name=Rivera&date_of_birth="
                                    "1985-03-14").json == []  # nothing registered


def test_sex_is_female_male_or_unknown(api_as):
    tech = api_as("technician")
    response = tech.post("/api/v1/patients", json={**PATIENT, "sex": "F"})
    assert response.status_code == 422
    assert list(response.json["errors"]) == ["sex"]
    assert tech.post("/api/v1/patients",
                     json={**PATIENT, "sex": "unknown"}).json["sex"] == "unknown"


def test_an_allergy_needs_its_substance(api_as):
    response = api_as("technician").post("/api/v1/patients", json={
        **PATIENT, "allergies": [{"substance": "penicillin"}, {"reaction": "rash"}]})
    assert response.status_code == 422
    assert response.json["errors"] == {
        "allergies": {"1": {"substance": ["This field is required."]}}}


def test_profile_change_is_audited_without_phi(api_as, ctx):
    patient_id = api_as("technician").post("/api/v1/patients", json=PATIENT).json["id"]
    rph = api_as("pharmacist")
    patch(rph, f"/api/v1/patients/{patient_id}", {"allergies": [{"substance": "codeine"}]})
    event = db.session.execute(
        sa.select(AuditEvent).where(AuditEvent.action == "patient.edited")).scalar_one()
    assert event.actor_user_id == rph.user_id and event.entity_id == str(patient_id)
    assert event.details == {"fields": ["allergies"], "changes": {}}


def test_attorney_case_shape_gains_no_clinical_fields(api_as, app, world):
    patch(api_as("pharmacist"), f"/api/v1/patients/{world.patient_id}", PROFILE)
    counsel = api_as("attorney", firm=world.firm_id)
    body = counsel.get(f"/api/v1/cases/{world.case_id}").json
    assert set(body["patient"]) == {"first_name", "last_name", "date_of_birth"}
    text = str(counsel.get("/api/v1/cases").json)
    assert "sulfamethoxazole" not in text and "creatinine" not in text
