"""`lienrx db grant-app-role ROLE`: the running application's database role, with least privilege.

Migrations run as the role that owns the schema; the application should run as a role that
owns nothing. Owning a table is what lets a role ALTER it, disable or drop its triggers and
TRUNCATE it, so a role that owns nothing cannot step around the append-only triggers on the
audit trail, the journal and the signed attestations. This command grants such a role what the
application does (and only that), and is re-run after every migration: it revokes what it
granted before and grants again, table by table, so no default privileges are needed.
"""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from lienrx.audit import services as audit
from lienrx.extensions import db

# Rows written once and never changed: the application inserts and reads them. The tables
# carrying the append-only trigger are found in the database too, so a table protected by a
# later migration is covered before this list is updated.
APPEND_ONLY = frozenset({"audit_events", "journal_entries", "postings", "attestations",
                         "inventory_movements", "inventory_counts", "inventory_count_lines"})
APPEND_ONLY_TRIGGER_FUNCTION = "lienrx_refuse_change"
# Tables the application changes but never deletes from.
NO_DELETE = frozenset({"audit_chain_heads"})  # the one head row, moved forward by each append
# Read by `lienrx serve` to refuse to start on an unmigrated database; written by migrations.
READ_ONLY = frozenset({"alembic_version"})
FULL = "SELECT, INSERT, UPDATE, DELETE"


def privileges_for(table: str, append_only: frozenset[str]) -> str:
    """What the application's role may do to ``table``."""
    if table in READ_ONLY:
        return "SELECT"
    if table in append_only:
        return "SELECT, INSERT"
    if table in NO_DELETE:
        return "SELECT, INSERT, UPDATE"
    return FULL


def _refusal(conn: sa.Connection, role: str, schema: str) -> str | None:
    found = conn.execute(sa.text("SELECT rolsuper, rolbypassrls FROM pg_roles "
                                 "WHERE rolname = :role"), {"role": role}).one_or_none()
    if found is None:
        return f"there is no role {role!r}: create it first (CREATE ROLE … LOGIN PASSWORD …)"
    if found.rolsuper or found.rolbypassrls:
        return f"{role!r} is a superuser or bypasses row security: privileges cannot limit it"
    if role == conn.execute(sa.text("SELECT current_user")).scalar_one():
        return f"{role!r} is the role running the migrations: use a separate role for the app"
    owned = conn.execute(sa.text(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = :schema AND pg_get_userbyid(c.relowner) = :role ORDER BY 1 LIMIT 3"),
        {"schema": schema, "role": role}).scalars().all()
    if owned:
        return (f"{role!r} owns {', '.join(owned)}: an owner can alter tables and drop their "
                "triggers; give the objects to the migration role (REASSIGN OWNED)")
    return None


@click.command("grant-app-role")
@click.argument("role")
@with_appcontext
def grant_app_role(role: str) -> None:
    """Grant ROLE (PostgreSQL) what the running app needs and nothing more; re-run after
    every `lienrx db upgrade`."""
    conn = db.session.connection()
    if conn.dialect.name != "postgresql":
        click.echo("lienrx db grant-app-role applies to PostgreSQL only: SQLite has no "
                   "database roles. Protect the database file instead (owned by the account "
                   "running lienrx, mode 600). Nothing was granted.", err=True)
        raise SystemExit(1)
    schema = conn.execute(sa.text("SELECT current_schema()")).scalar_one()
    refusal = _refusal(conn, role, schema)
    if refusal is not None:
        click.echo(f"grant-app-role refused: {refusal}", err=True)
        raise SystemExit(1)
    tables = conn.execute(sa.text("SELECT tablename FROM pg_tables WHERE schemaname = :schema "
                                  "ORDER BY tablename"), {"schema": schema}).scalars().all()
    triggered = conn.execute(sa.text(
        "SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_proc p ON p.oid = t.tgfoid "
        "WHERE n.nspname = :schema AND p.proname = :function"),
        {"schema": schema, "function": APPEND_ONLY_TRIGGER_FUNCTION}).scalars().all()
    append_only = APPEND_ONLY | frozenset(triggered)
    quote = conn.dialect.identifier_preparer.quote
    grantee, in_schema = quote(role), quote(schema)
    database = conn.execute(sa.text("SELECT current_database()")).scalar_one()
    for statement in (
            f"REVOKE ALL ON ALL TABLES IN SCHEMA {in_schema} FROM {grantee}",
            f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {in_schema} FROM {grantee}",
            f"REVOKE CREATE ON SCHEMA {in_schema} FROM {grantee}",
            f"GRANT CONNECT ON DATABASE {quote(database)} TO {grantee}",
            f"GRANT USAGE ON SCHEMA {in_schema} TO {grantee}",
            f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {in_schema} TO {grantee}"):
        conn.exec_driver_sql(statement)
    granted: dict[str, list[str]] = {}
    for table in tables:
        privileges = privileges_for(table, append_only)
        conn.exec_driver_sql(f"GRANT {privileges} ON TABLE {in_schema}.{quote(table)} "
                             f"TO {grantee}")
        granted.setdefault(privileges, []).append(table)
    audit.record(None, "database.app_role_granted", "database_role", role,
                 {"tables": len(tables), "append_only": sorted(append_only & set(tables))})
    db.session.commit()
    for privileges, names in granted.items():
        click.echo(f"{privileges}: {', '.join(names)}")
    click.echo(f"granted {role} the application's privileges on {len(tables)} tables of "
               f"{database}.{schema}; it owns nothing and may not TRUNCATE, ALTER or drop "
               "triggers. Re-run after every `lienrx db upgrade`.")
