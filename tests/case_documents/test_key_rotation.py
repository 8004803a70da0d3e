"""Stored files are encrypted with the PHI data keys, so `lienrx keys rotate` covers them."""

import sqlalchemy as sa
from cryptography.fernet import Fernet

from lienrx import create_app
from lienrx.case_documents import services
from lienrx.extensions import db
from tests import factories
from tests.case_documents.factories import PDF
from tests.conftest import TEST_KEYS
from tests.conftest import test_settings as settings_for


def test_rotation_reencrypts_stored_files_with_the_new_key(app, database_url):
    old_key = TEST_KEYS["LIENRX_DATA_KEYS"]
    with app.app_context():
        case = factories.case(factories.law_firm(), authorized=False)
        document = services.upload(None, case.id, file=PDF, kind="other")
        db.session.commit()
        document_id = document.id
    new_key = Fernet.generate_key().decode()
    rotated = create_app(settings_for(database_url, LIENRX_DATA_KEYS=f"{new_key},{old_key}"))
    with rotated.app_context():
        result = rotated.test_cli_runner().invoke(args=["keys", "rotate"])
        assert result.exit_code == 0, result.output
        assert "1 case_document_contents" in result.output
        raw = bytes(db.session.execute(
            sa.text("SELECT content FROM case_document_contents")).scalar_one())
        assert Fernet(new_key.encode()).decrypt(raw) == PDF
        db.session.remove()
    new_only = create_app(settings_for(database_url, LIENRX_DATA_KEYS=new_key))
    with new_only.app_context():
        assert services.read_content(factories.user("billing"), document_id)[1] == PDF
        db.session.remove()
