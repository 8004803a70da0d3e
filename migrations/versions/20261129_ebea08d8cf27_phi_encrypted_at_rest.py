"""PHI encrypted at rest in every copy: signed POGOS documents, dispense labels, kept responses

The patient's name and date of birth were stored in clear in ``attestations.document_json``,
``dispenses.label`` and ``idempotency_keys.response_body``. The columns keep their types; this
encrypts the rows already there with the newest data key (the application's keyring: Alembic
runs inside the application, see env.py), and lets a signed attestation be re-encrypted
(`lienrx keys rotate`) while still refusing any other change to it.

Left behind by the database engine, not by this migration: on SQLite the rewritten cells are
zeroed (secure_delete) and the WAL is checkpointed when the last connection closes; on
PostgreSQL the old row versions stay in the table files until ``VACUUM FULL attestations,
dispenses, idempotency_keys`` (run it after upgrading a database that held patients).

Revision ID: ebea08d8cf27
Revises: 5d2a9c41e7b3
Create Date: 2026-11-29 23:40:00.000000

"""
import json

from alembic import op
import sqlalchemy as sa
from cryptography.fernet import InvalidToken
from flask import current_app


# revision identifiers, used by Alembic.
revision = 'ebea08d8cf27'
down_revision = '5d2a9c41e7b3'
branch_labels = None
depends_on = None

BATCH = 500

# (table, column, is JSON): every copy of the patient's name and date of birth outside patients
COLUMNS = (("attestations", "document_json", False),
           ("dispenses", "label", True),
           ("idempotency_keys", "response_body", False))

# The columns of a signed attestation other than its (encrypted) document. SQLite lists them;
# PostgreSQL compares the whole row without the document, so columns added later are covered.
SEALED = ("id", "case_id", "version", "sha256", "signature", "key_id", "signed_by_user_id",
          "issued_at", "supersedes_id")


def upgrade():
    _drop_attestation_triggers()
    if op.get_bind().dialect.name == "sqlite":
        op.execute("PRAGMA secure_delete = ON")  # the plaintext cells are zeroed, not just freed
    _convert(_encrypt)
    _create_reencrypt_only_triggers()


def downgrade():
    _drop_reencrypt_only_triggers()
    _convert(_decrypt)
    _create_attestation_triggers()


def _fernet():
    return current_app.extensions["lienrx.keyring"].fernet


def _encrypt(text):
    try:
        _fernet().decrypt(text.encode())
        return None  # already encrypted
    except InvalidToken:
        return _fernet().encrypt(text.encode()).decode()


def _decrypt(text):
    try:
        return _fernet().decrypt(text.encode()).decode()
    except InvalidToken:
        return None  # already plaintext


def _convert(change):
    """Apply ``change`` (text → new text, or None for "leave it") to every row, in batches."""
    bind = op.get_bind()
    for name, column, is_json in COLUMNS:
        table = sa.table(name, sa.column("id", sa.Integer),
                         sa.column(column, sa.JSON if is_json else sa.Text))
        value_of = table.c[column]
        last = 0
        while True:
            rows = bind.execute(sa.select(table.c.id, value_of).where(table.c.id > last)
                                .order_by(table.c.id).limit(BATCH)).all()
            if not rows:
                break
            last = rows[-1][0]
            for row_id, value in rows:
                if value is None:
                    continue
                new = _convert_json(value, change) if is_json else change(value)
                if new is not None:
                    bind.execute(table.update().where(table.c.id == row_id)
                                 .values({column: new}))


def _convert_json(value, change):
    """An encrypted JSON column holds the token as a JSON string; a clear one, the value."""
    if change is _encrypt:
        if isinstance(value, str):
            return None  # already a token
        return _fernet().encrypt(json.dumps(value, ensure_ascii=False).encode()).decode()
    if not isinstance(value, str):
        return None  # already clear
    clear = _decrypt(value)
    return None if clear is None else json.loads(clear)


def _create_reencrypt_only_triggers():
    """A signed version is never removed; its only change is re-encryption of the document."""
    if op.get_bind().dialect.name == "postgresql":
        # lienrx_refuse_change() is created by the foundation migration
        op.execute("CREATE TRIGGER attestations_no_delete BEFORE DELETE ON attestations "
                   "FOR EACH ROW EXECUTE FUNCTION lienrx_refuse_change()")
        op.execute("CREATE TRIGGER attestations_reencrypt_only BEFORE UPDATE ON attestations "
                   "FOR EACH ROW WHEN (substr(NEW.document_json, 1, 6) <> 'gAAAAA' "
                   "OR to_jsonb(OLD) - 'document_json' <> to_jsonb(NEW) - 'document_json') "
                   "EXECUTE FUNCTION lienrx_refuse_change()")
        op.execute("CREATE TRIGGER attestations_no_truncate BEFORE TRUNCATE ON attestations "
                   "FOR EACH STATEMENT EXECUTE FUNCTION lienrx_refuse_change()")
    else:
        changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in SEALED)
        op.execute("CREATE TRIGGER attestations_no_delete BEFORE DELETE ON attestations "
                   "BEGIN SELECT RAISE(ABORT, 'attestations is append-only'); END")
        op.execute("CREATE TRIGGER attestations_reencrypt_only BEFORE UPDATE ON attestations "
                   "WHEN substr(NEW.document_json, 1, 6) IS NOT 'gAAAAA' OR " + changed + " "
                   "BEGIN SELECT RAISE(ABORT, 'attestations is append-only'); END")


def _drop_reencrypt_only_triggers():
    if op.get_bind().dialect.name == "postgresql":
        for name in ("attestations_no_delete", "attestations_reencrypt_only",
                     "attestations_no_truncate"):
            op.execute(f"DROP TRIGGER {name} ON attestations")
    else:
        op.execute("DROP TRIGGER attestations_no_delete")
        op.execute("DROP TRIGGER attestations_reencrypt_only")


# As created by 8cbed2c51240_attestations.
def _create_attestation_triggers():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE TRIGGER attestations_append_only BEFORE UPDATE OR DELETE ON "
                   "attestations FOR EACH ROW EXECUTE FUNCTION lienrx_refuse_change()")
        op.execute("CREATE TRIGGER attestations_no_truncate BEFORE TRUNCATE ON attestations "
                   "FOR EACH STATEMENT EXECUTE FUNCTION lienrx_refuse_change()")
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER attestations_no_{event.lower()} BEFORE {event} ON "
                       "attestations BEGIN SELECT RAISE(ABORT, 'attestations is append-only'); END")


def _drop_attestation_triggers():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER attestations_append_only ON attestations")
        op.execute("DROP TRIGGER attestations_no_truncate ON attestations")
    else:
        op.execute("DROP TRIGGER attestations_no_update")
        op.execute("DROP TRIGGER attestations_no_delete")
