"""The `lienrx` command: Flask's group with LienRx's commands added."""

from __future__ import annotations

from flask.cli import FlaskGroup
from flask_migrate.cli import db

from lienrx.attestations.cli import attestations
from lienrx.audit.cli import audit
from lienrx.auth.cli import users
from lienrx.db_cli import grant_app_role
from lienrx.exports.cli import export
from lienrx.keys_cli import keys
from lienrx.ledger_cli import ledger
from lienrx.seeds.cli import seed
from lienrx.server import serve

# Flask-Migrate's `db` group (upgrade, migrate, history, …) gains the least-privilege grants.
db.add_command(grant_app_role)

COMMANDS = [db, users, audit, ledger, keys, seed, serve, export, attestations]


def _create_app() -> object:
    from lienrx import create_app

    return create_app()


def main() -> None:
    """Entry point of the console script."""
    FlaskGroup(create_app=_create_app, help="LienRx pharmacy lien system.")()  # type: ignore[arg-type]
