"""Duplicate patients (SPEC §7.3, API.md pinned detail): a new patient with the same last name
(case, accents, spaces, hyphens and apostrophes aside) and date of birth as one registered is
refused with the matches' ids, unless the caller confirms it is a new patient."""

import hashlib
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet
from flask_migrate import downgrade, upgrade

from lienrx import create_app
from lienrx.audit.models import AuditEvent
from lienrx.core import crypto
from lienrx.core.errors import Conflict
from lienrx.extensions import db
from lienrx.parties import services
from lienrx.parties.models import Patient
from lienrx.parties.rules import duplicate_name
from tests.conftest import TEST_KEYS
from tests.conftest import test_settings as settings_for
from tests.parties.helpers import PATIENT

BEFORE_THE_INDEX = "4c8e2a7f1d93"


def test_possible_duplicate_patient_refused_with_matches(api_as):
    tech = api_as("technician")
    first = tech.post("/api/v1/patients", json=PATIENT).json["id"]
    second = tech.post("/api/v1/patients", json={**PATIENT, "confirm_new": True}).json["id"]
    response = tech.post("/api/v1/patients", json={**PATIENT, "first_name": "Jorge"})
    assert response.status_code == 409
    assert response.json["code"] == "possible_duplicate_patient"
    assert response.json["matches"] == [{"id": first}, {"id": second}]
    assert "Rivera" not in response.get_data(as_text=True)
    found = tech.get("/api/v1/patients?last_name=Rivera&date_of_birth=1985-03-14").json
    assert [p["id"] for p in found] == [first, second]  # nothing registered by the refusal


@pytest.mark.parametrize("registered, typed", [
    ("O'Brien-Smith", "obriensmith"), ("Müller", "MULLER"), ("de la Cruz", "DeLaCruz"),
    ("D’Angelo", "d angelo"), ("García Márquez", "garcia-marquez")])
def test_duplicate_patient_match_folds_accents_and_ignores_hyphens_apostrophes_spaces(
        api_as, registered, typed):
    tech = api_as("technician")
    first = tech.post("/api/v1/patients", json={**PATIENT, "last_name": registered}).json["id"]
    response = tech.post("/api/v1/patients", json={**PATIENT, "last_name": typed})
    assert response.status_code == 409
    assert response.json["matches"] == [{"id": first}]


def test_duplicate_name_normalisation():
    assert duplicate_name("O'Brien-Smith") == "obriensmith"
    assert duplicate_name("Müller") == duplicate_name("Muller") == "muller"
    assert duplicate_name(" Nguyễn  Văn ") == "nguyenvan"
    assert duplicate_name("Riviera") != duplicate_name("Rivera")


def test_another_birth_date_or_last_name_is_not_a_duplicate(api_as):
    tech = api_as("technician")
    tech.post("/api/v1/patients", json=PATIENT)
    assert tech.post("/api/v1/patients",
                     json={**PATIENT, "date_of_birth": "1985-03-15"}).status_code == 201
    assert tech.post("/api/v1/patients",
                     json={**PATIENT, "last_name": "Riviera"}).status_code == 201


def test_confirm_new_creates_the_second_patient(api_as):
    tech = api_as("technician")
    first = tech.post("/api/v1/patients", json=PATIENT).json["id"]
    second = tech.post("/api/v1/patients", json={**PATIENT, "confirm_new": True})
    assert second.status_code == 201
    assert second.json["id"] != first
    assert tech.post("/api/v1/patients",
                     json={**PATIENT, "confirm_new": False}).status_code == 409


def test_duplicate_refusal_is_audited_with_the_matches_told(api_as, ctx):
    tech = api_as("technician")
    first = tech.post("/api/v1/patients", json=PATIENT).json["id"]
    tech.post("/api/v1/patients", json=PATIENT)
    event = db.session.execute(sa.select(AuditEvent).where(
        AuditEvent.action == "patient.duplicate_refused")).scalar_one()
    assert event.actor_user_id == tech.user_id
    assert event.details == {"matches": [first]}


def test_duplicate_index_is_a_keyed_hmac_never_the_name(api_as, ctx):
    api_as("technician").post("/api/v1/patients", json={**PATIENT, "last_name": "O'Brien"})
    stored = db.session.execute(sa.text("SELECT duplicate_index FROM patients")).scalar_one()
    assert stored == crypto.blind_index("obrien", "1985-03-14")
    assert stored != hashlib.sha256(b"obrien\x1f1985-03-14").hexdigest()
    assert "brien" not in stored.lower()


def test_migration_computes_the_duplicate_index_of_patients_already_registered(api_as, ctx):
    tech = api_as("technician")
    first = tech.post("/api/v1/patients", json={**PATIENT, "last_name": "Müller"}).json["id"]
    directory = ctx.extensions["migrate"].directory
    db.session.remove()
    downgrade(directory=directory, revision=BEFORE_THE_INDEX)
    upgrade(directory=directory)
    db.session.remove()
    response = tech.post("/api/v1/patients", json={**PATIENT, "last_name": "Muller"})
    assert response.status_code == 409
    assert response.json["matches"] == [{"id": first}]
    assert services.patient_duplicate_index("muller", date(1985, 3, 14)) == (
        db.session.execute(sa.text("SELECT duplicate_index FROM patients")).scalar_one())


def test_key_rotation_rebuilds_the_duplicate_index_and_keeps_the_profile(app, database_url):
    old_key = TEST_KEYS["LIENRX_DATA_KEYS"]
    with app.app_context():
        first = services.create_patient(None, first_name="Casey", last_name="Nguyễn",
                                        date_of_birth=date(1990, 6, 1), weight_kg=Decimal("61.5"),
                                        creatinine_clearance=Decimal(55),
                                        creatinine_clearance_on=date(2026, 1, 2)).id
        db.session.commit()
    new_key = Fernet.generate_key().decode()
    rotated = create_app(settings_for(database_url, LIENRX_DATA_KEYS=f"{new_key},{old_key}"))
    with rotated.app_context():
        assert rotated.test_cli_runner().invoke(args=["keys", "rotate"]).exit_code == 0
        db.session.remove()
    new_only = create_app(settings_for(database_url, LIENRX_DATA_KEYS=new_key))
    with new_only.app_context():  # the index key changed with the oldest data key: rebuilt
        assert new_only.test_cli_runner().invoke(args=["keys", "rotate"]).exit_code == 0
        with pytest.raises(Conflict) as refused:
            services.create_patient(None, first_name="C", last_name="nguyen",
                                    date_of_birth=date(1990, 6, 1))
        assert refused.value.extra["matches"] == [{"id": first}]
        patient = db.session.get(Patient, first)
        assert (patient.weight_kg, patient.creatinine_clearance_on) == (
            Decimal("61.5"), date(2026, 1, 2))
        db.session.remove()
