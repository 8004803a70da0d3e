"""Issue 12: the application runs as a database role that owns nothing.

`lienrx db grant-app-role ROLE` grants such a role what the application needs. The role can
dispense, post money and append to the audit chain, and cannot step around the append-only
triggers: no TRUNCATE, ALTER TABLE, DROP TRIGGER, session_replication_role, and no UPDATE or
DELETE on the audit trail or the journal, refused by privilege before any trigger runs.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from decimal import Decimal

import psycopg
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from lienrx.audit import services as audit
from lienrx.core import clock
from lienrx.db_cli import privileges_for
from lienrx.dispensing import services as dispensing
from lienrx.extensions import db
from lienrx.ledger.invariants import check_ledger
from lienrx.settlement import services as settlement
from tests import factories
from tests.conftest import PG_ADMIN_URL
from tests.formulary.factories import (
    GABAPENTIN_300_NDC,
    load_products,
    prescription,
    receive_ndc_lot,
)

APPEND_ONLY = ("audit_events", "journal_entries", "postings", "attestations")


def test_append_only_tables_get_select_and_insert_only():
    for table in APPEND_ONLY:
        assert privileges_for(table, frozenset(APPEND_ONLY)) == "SELECT, INSERT"
    assert privileges_for("audit_chain_heads", frozenset()) == "SELECT, INSERT, UPDATE"
    assert privileges_for("alembic_version", frozenset()) == "SELECT"
    assert privileges_for("dispenses", frozenset(APPEND_ONLY)) == "SELECT, INSERT, UPDATE, DELETE"


def test_grant_app_role_does_not_apply_to_sqlite(ctx, runner):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the SQLite answer")
    result = runner.invoke(args=["db", "grant-app-role", "lienrx_app"])
    assert result.exit_code == 1
    assert "applies to PostgreSQL only" in result.output and "Nothing was granted" in result.output


@pytest.fixture
def app_role(database_url: str) -> Iterator[str]:
    """A login role that owns nothing, dropped (with its grants) afterwards."""
    role = f"lienrx_app_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE ROLE "{role}" LOGIN')
    yield role
    with psycopg.connect(database_url, autocommit=True) as admin:
        admin.execute(f'DROP OWNED BY "{role}"')  # its grants in the test database
        admin.execute(f'DROP ROLE "{role}"')


def url_as(database_url: str, role: str) -> str:
    return make_url(database_url).set(username=role).render_as_string(hide_password=False)


@pytest.fixture
def granted(app_role: str, runner) -> str:
    """The role, granted the application's privileges by the command."""
    result = runner.invoke(args=["db", "grant-app-role", app_role])
    assert result.exit_code == 0, result.output
    assert ("SELECT, INSERT: attestations, audit_events, inventory_count_lines, "
            "inventory_counts, inventory_movements, journal_entries, postings") in result.output
    return app_role


@pytest.mark.postgres_only
def test_app_role_dispenses_posts_money_and_appends_to_the_audit_chain(ctx, granted):
    # The whole unit of work (services, audit seal, commit) runs with the role's privileges.
    db.session.connection().exec_driver_sql(f'SET LOCAL ROLE "{granted}"')
    assert db.session.execute(sa.text("SELECT current_user")).scalar_one() == granted
    world = factories.World.build()
    load_products("GABA-CAP-300")
    rx = prescription(world.case_id, world.prescriber_id, "GABA-CAP-300",
                      quantity=Decimal(90), days_supply=30)
    pharmacist = factories.user("pharmacist")
    receive_ndc_lot(GABAPENTIN_300_NDC, "GB-ROLE")  # Schedule V in TN: fills draw from it
    fill = dispensing.dispense(pharmacist, dispensing.DispenseRequest(
        prescription_id=rx.id, quantity=rx.quantity, days_supply=30,
        ndc=GABAPENTIN_300_NDC, lot_number="GB-ROLE"))
    dispensing.reverse(pharmacist, fill.id, "entered in error", "return_to_stock")
    dispensing.dispense(pharmacist, dispensing.DispenseRequest(
        prescription_id=rx.id, quantity=rx.quantity, days_supply=30,
        ndc=GABAPENTIN_300_NDC, lot_number="GB-ROLE"))
    settlement.record_payment(factories.user("billing"), world.case_id, amount=100,
                              received_on=clock.today(), reference="CHK-1")
    assert db.session.execute(sa.text("SELECT current_user")).scalar_one() == granted
    db.session.commit()
    assert audit.verify_chain()[1] is None
    assert check_ledger()[1] == []
    assert db.session.execute(sa.text("SELECT count(*) FROM journal_entries")).scalar_one() == 4


REFUSED = [
    *(f"TRUNCATE {table}" for table in APPEND_ONLY),
    *(f"ALTER TABLE {table} DISABLE TRIGGER USER" for table in APPEND_ONLY),
    "DROP TRIGGER audit_events_append_only ON audit_events",
    "ALTER TABLE audit_events ADD COLUMN note text",
    "UPDATE audit_events SET action = 'nothing.happened'",
    "UPDATE journal_entries SET memo = 'edited'",
    "UPDATE postings SET amount_cents = 1",
    "UPDATE attestations SET id = id",
    "DELETE FROM audit_events",
    "DELETE FROM journal_entries",
    "DELETE FROM postings",
    "DELETE FROM attestations",
    "DELETE FROM audit_chain_heads",
    "SET session_replication_role = replica",
    "CREATE TABLE planted (id int)",
]


@pytest.mark.postgres_only
@pytest.mark.parametrize("statement", REFUSED)
def test_app_role_cannot_step_around_the_append_only_triggers(granted, database_url, statement):
    with psycopg.connect(url_as(database_url, granted), autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM audit_events").fetchone()[0] > 0
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(statement)


@pytest.mark.postgres_only
def test_grant_app_role_refuses_a_superuser(ctx, runner):
    result = runner.invoke(args=["db", "grant-app-role", "postgres"])
    assert result.exit_code == 1
    assert "grant-app-role refused" in result.output


@pytest.mark.postgres_only
def test_grant_app_role_refuses_an_unknown_role(ctx, runner):
    result = runner.invoke(args=["db", "grant-app-role", "no_such_role_here"])
    assert result.exit_code == 1
    assert "there is no role 'no_such_role_here'" in result.output
