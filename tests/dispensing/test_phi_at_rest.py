"""PHI at rest: no copy of the patient's name or birth date is stored in clear (SPEC §5).

The patient's fields are encrypted; so are the copies made of them: the signed POGOS document,
the dispense's printed label and the response kept for an idempotent replay. Key rotation
covers them, and the migration encrypts the rows written before.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from contextlib import closing
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet
from flask_migrate import downgrade, upgrade

from lienrx import create_app
from lienrx.attestations.models import Attestation
from lienrx.core.crypto import FERNET_PREFIX
from lienrx.extensions import db
from tests import factories
from tests.attestations.helpers import issue, public_key, signature_holds
from tests.conftest import BACKEND, TEST_KEYS, ApiClient
from tests.conftest import test_settings as settings_for
from tests.dispensing.conftest import gabapentin_fill

FIRST, LAST, BORN = "Yxénobia", "Zqxjvurtle", date(1961, 7, 23)
STREET = "4417 Wexborough Lane"
PHI = (LAST, FIRST, BORN.isoformat(), BORN.strftime("%m/%d/%Y"), BORN.strftime("%Y%m%d"),
       "Wexborough")
LOT = "GB2291A"  # stored in clear on the dispense: proves a search sees the rows it scans
MIGRATION = "ebea08d8cf27"


def _forms(text: str) -> set[bytes]:
    """The byte forms a string takes in a database file: UTF-8, UTF-16 and JSON-escaped."""
    escaped = json.dumps(text)[1:-1]
    return {text.encode(), text.encode("utf-16-le"), text.encode("utf-16-be"),
            escaped.encode(), escaped.encode("utf-16-le")}


def _found(data: bytes, needles: tuple[str, ...] = PHI) -> dict[str, int]:
    counts = {n: sum(data.count(form) for form in _forms(n)) for n in needles}
    return {n: c for n, c in counts.items() if c}


def _raw_database_text() -> bytes:
    """Every value of every table as the database holds it (no decrypting types)."""
    parts = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(sa.text(f'SELECT * FROM "{table.name}"')):  # noqa: S608
            for value in row:
                if isinstance(value, bytes | memoryview):
                    parts.append(bytes(value))
                elif value is not None:
                    parts.append(json.dumps(value, default=str, ensure_ascii=False).encode())
    db.session.rollback()
    return b"\n".join(parts)


def _raw(sql: str) -> Any:
    value = db.session.execute(sa.text(sql)).scalar_one()
    db.session.rollback()
    return value


@pytest.fixture
def world(app):
    """The usual world, for a patient whose name and birth date appear nowhere else."""
    with app.app_context():
        firm = factories.law_firm()
        attorney = factories.user("attorney", firm_id=firm.id)
        patient = factories.patient(first_name=FIRST, last_name=LAST, date_of_birth=BORN,
                                    address=f"{STREET}, Nashville TN 37203")
        doctor = factories.prescriber()
        case = factories.case(firm, patient_id=patient.id, attorney_user_id=attorney.id)
        db.session.commit()
        return factories.World(firm.id, attorney.id, patient.id, doctor.id, case.id)


@pytest.fixture
def held_open(database_url):
    """On SQLite, a connection held for the whole test, so the WAL file is not removed."""
    if BACKEND != "sqlite":
        yield None
        return
    path = Path(database_url.removeprefix("sqlite:///"))
    connection = sqlite3.connect(path)
    connection.execute("SELECT count(*) FROM sqlite_master").fetchall()  # opens the WAL
    yield path
    connection.close()


@pytest.fixture
def flow(held_open, api_as, counter):
    """Dispense (with an Idempotency-Key), replay it, sign the POGOS: every copy of the PHI."""
    rph = api_as("pharmacist")
    headers = {"Idempotency-Key": "phi-at-rest"}
    first = rph.post("/api/v1/dispenses", json=gabapentin_fill(counter, lot_number=LOT),
                     headers=headers)
    assert first.status_code == 201, first.json
    replay = rph.post("/api/v1/dispenses", json=gabapentin_fill(counter, lot_number=LOT),
                      headers=headers)
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json == first.json
    attestation = issue(rph, counter.case_id)
    # the copies do hold the PHI, readable through the application
    assert LAST in first.json["label"]["patient"]
    assert attestation["document"]["patient"]["last_name"] == LAST
    assert attestation["document"]["patient"]["date_of_birth"] == BORN.isoformat()
    return {"rph": rph, "dispense": first.json, "attestation": attestation,
            "headers": headers, "body": gabapentin_fill(counter, lot_number=LOT)}


def test_no_table_holds_the_patients_name_or_birth_date_in_clear(flow, ctx):
    stored = _raw_database_text()
    assert _found(stored, (LOT,)) == {LOT: 2}  # on the dispense and its inventory lot
    assert _found(stored) == {}


def test_copies_of_phi_are_encrypted_with_the_data_keys(flow, ctx):
    fernet = Fernet(TEST_KEYS["LIENRX_DATA_KEYS"].encode())
    document = _raw("SELECT document_json FROM attestations")
    assert document.startswith(FERNET_PREFIX)
    # the signed bytes, exactly
    signed = fernet.decrypt(document.encode())
    assert hashlib.sha256(signed).hexdigest() == flow["attestation"]["sha256"]
    label = _raw("SELECT label FROM dispenses")
    token = json.loads(label) if label.startswith('"') else label  # SQLite: JSON text
    assert token.startswith(FERNET_PREFIX)
    assert json.loads(fernet.decrypt(token.encode())) == flow["dispense"]["label"]
    kept = _raw("SELECT response_body FROM idempotency_keys")
    assert json.loads(fernet.decrypt(kept.encode())) == flow["dispense"]


@pytest.mark.skipif(BACKEND != "sqlite", reason="reads the SQLite database file")
def test_the_sqlite_file_and_its_wal_hold_no_plaintext_phi(flow, held_open):
    wal = Path(f"{held_open}-wal")
    assert wal.exists() and wal.stat().st_size > 0
    data = held_open.read_bytes() + wal.read_bytes()
    assert _found(data, (LOT,)), "the lot number, stored in clear, is in the files"
    assert _found(data) == {}


def test_rotation_reencrypts_signed_documents_labels_and_kept_responses(flow, app, database_url):
    old_key = TEST_KEYS["LIENRX_DATA_KEYS"]
    new_key = Fernet.generate_key().decode()
    rotated = create_app(settings_for(database_url, LIENRX_DATA_KEYS=f"{new_key},{old_key}"))
    with rotated.app_context():
        result = rotated.test_cli_runner().invoke(args=["keys", "rotate"])
        assert result.exit_code == 0, result.output
        assert ("1 attestations, 1 case_document_contents, 1 dispenses, 1 idempotency_keys, "
                "0 outside_medications, 1 patients") in result.output
        db.session.remove()

    new_only = create_app(settings_for(database_url, LIENRX_DATA_KEYS=new_key))
    with new_only.app_context():
        stored = db.session.execute(sa.select(Attestation)).scalar_one()
        document = json.loads(stored.document_json)
        assert document == flow["attestation"]["document"]
        assert hashlib.sha256(stored.document_json.encode()).hexdigest() == stored.sha256
        keys = ApiClient(new_only.test_client(), None).get("/api/v1/attestation-keys").json
        assert signature_holds(public_key(keys, stored.key_id), document, stored.signature)
        db.session.remove()
    rph = ApiClient(new_only.test_client(), flow["rph"].token)
    replay = rph.post("/api/v1/dispenses", json=flow["body"], headers=flow["headers"])
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json == flow["dispense"]
    assert rph.get(f"/api/v1/dispenses/{flow['dispense']['id']}").json["label"] == (
        flow["dispense"]["label"])


def test_upgrade_encrypts_phi_stored_in_clear_and_downgrade_restores_it(flow, ctx, held_open):
    directory = ctx.extensions["migrate"].directory
    db.session.remove()
    downgrade(directory=directory, revision=f"{MIGRATION}-1")
    assert LAST in _raw("SELECT document_json FROM attestations")
    assert LAST in json.dumps(_raw("SELECT label FROM dispenses"), ensure_ascii=False)
    assert LAST in _raw("SELECT response_body FROM idempotency_keys")
    db.session.remove()

    upgrade(directory=directory)
    assert _found(_raw_database_text()) == {}
    rph = flow["rph"]
    assert rph.get(f"/api/v1/attestations/{flow['attestation']['id']}").json["document"] == (
        flow["attestation"]["document"])
    replay = rph.post("/api/v1/dispenses", json=flow["body"], headers=flow["headers"])
    assert replay.json == flow["dispense"]
    if BACKEND == "sqlite":
        # once the WAL is checkpointed (as when the last connection closes after the upgrade),
        # the file itself holds no plaintext left over from the rows before
        db.session.remove()
        with closing(sqlite3.connect(held_open)) as connection:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        assert Path(f"{held_open}-wal").stat().st_size == 0
        assert _found(held_open.read_bytes()) == {}
