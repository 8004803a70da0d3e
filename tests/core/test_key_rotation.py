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
        assert "re-encrypted 1 patients" in result.output
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
        assert [e.details for e in rotations] == [{"patients": 1, "totp_factors": 0}] * 2
        db.session.remove()


def test_rotation_finds_every_encrypted_column_and_blind_index_through_the_models(app):
    with app.app_context():
        patients, totp = encrypted_models()
    assert (patients.table, totp.table) == ("patients", "totp_factors")
    assert totp.fields == ("secret",) and totp.blind_indexes == {}
    assert set(patients.fields) == {"first_name", "last_name", "date_of_birth", "phone", "email",
                                    "address"}
    assert patients.blind_indexes == {"lookup_index": ("last_name", "date_of_birth")}
