"""PHI key rotation: a new key encrypts, old keys still decrypt, `keys rotate` re-encrypts."""

from datetime import date

import sqlalchemy as sa
from cryptography.fernet import Fernet

from lienrx import create_app
from lienrx.audit.models import AuditEvent
from lienrx.core.key_rotation import encrypted_models
from lienrx.extensions import db
from lienrx.parties import services
from tests.conftest import TEST_KEYS
from tests.conftest import test_settings as settings_for


def _raw_first_names():
    return [row[0] for row in db.session.execute(sa.text("SELECT first_name FROM patients"))]


def test_rotation_keeps_data_readable_and_moves_it_to_the_new_key(app, database_url):
    old_key = TEST_KEYS["LIENRX_DATA_KEYS"]
    with app.app_context():
        services.create_patient(None, first_name="Casey", last_name="Nguyen",
                                date_of_birth=date(1990, 6, 1))
        db.session.commit()

    new_key = Fernet.generate_key().decode()
    rotated = create_app(settings_for(database_url, LIENRX_DATA_KEYS=f"{new_key},{old_key}"))
    with rotated.app_context():
        # before rotation: old rows still readable, found by the unchanged blind index
        found = services.find_patients(None, "nguyen", date(1990, 6, 1))
        assert [p.first_name for p in found] == ["Casey"]
        db.session.rollback()
        result = rotated.test_cli_runner().invoke(args=["keys", "rotate"])
        assert result.exit_code == 0, result.output
        assert "1 patients" in result.output
        token = _raw_first_names()[0]
        assert Fernet(new_key.encode()).decrypt(token.encode()) == b"Casey"
        db.session.remove()

    new_only = create_app(settings_for(database_url, LIENRX_DATA_KEYS=new_key))
    with new_only.app_context():
        result = new_only.test_cli_runner().invoke(args=["keys", "rotate"])
        assert result.exit_code == 0, result.output
        found = services.find_patients(None, "Nguyen", date(1990, 6, 1))
        assert [p.last_name for p in found] == ["Nguyen"]
        rotations = db.session.execute(
            sa.select(AuditEvent).where(AuditEvent.action == "keys.rotated")).scalars().all()
        assert [e.details["patients"] for e in rotations] == [1, 1]
        assert [e.details["totp_factors"] for e in rotations] == [0, 0]
        db.session.remove()


def test_rotation_finds_every_encrypted_column_and_blind_index_through_the_models(app):
    with app.app_context():
        found = {m.table: m for m in encrypted_models()}
    assert set(found) == {"attestations", "case_document_contents", "dispenses",
                          "idempotency_keys", "outside_medications", "patients", "pdmp_reports",
                          "totp_factors", "webhook_subscriptions"}
    assert set(found["patients"].fields) == {
        "first_name", "last_name", "date_of_birth", "phone", "email", "address", "sex",
        "weight_kg", "height_cm", "allergies", "creatinine_clearance", "creatinine_clearance_on"}
    assert found["patients"].blind_indexes == {
        "lookup_index": ("last_name", "date_of_birth"),
        "duplicate_index": ("duplicate_name", "date_of_birth")}
    assert set(found["outside_medications"].fields) == {"name", "ingredient", "dose_mg_per_day",
                                                        "started_on", "stopped_on"}
    # the copies of the patient's name and birth date outside the patient
    assert found["attestations"].fields == ("document_json",)
    assert found["dispenses"].fields == ("label",)
    assert found["idempotency_keys"].fields == ("response_body",)
    assert found["pdmp_reports"].fields == ("content",)  # the ASAP file names the patients
    assert found["case_document_contents"].fields == ("content",)  # the stored files
    assert found["totp_factors"].fields == ("secret",)
    assert found["totp_factors"].blind_indexes == {}
    assert found["webhook_subscriptions"].fields == ("secret",)  # a firm's signing key
