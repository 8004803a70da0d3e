"""The `lienrx` command: Flask's group with LienRx's commands added."""

from __future__ import annotations

from flask.cli import FlaskGroup

from lienrx.attestations.cli import attestations
from lienrx.audit.cli import audit
from lienrx.auth.cli import users
from lienrx.backup_cli import backup
from lienrx.db_cli import grant_app_role
from lienrx.exports.cli import export
from lienrx.inventory.cli import inventory
from lienrx.keys_cli import keys
from lienrx.ledger_cli import ledger
from lienrx.notifications.cli import notify
from lienrx.pdmp.cli import pdmp
from lienrx.seeds.cli import seed
from lienrx.server import serve

COMMANDS = [users, audit, ledger, keys, seed, serve, export, attestations, pdmp,
            inventory, notify]
# Subcommands of `lienrx db`, the group Flask-Migrate owns (upgrade, migrate, heads, …).
DB_COMMANDS = [backup, grant_app_role]


def _create_app() -> object:
    from lienrx import create_app

    return create_app()


def main() -> None:
    """Entry point of the console script.

    ``attestations`` sits on the group itself, not only on the app, so `lienrx attestations
    verify … --keys` runs without building the application (no instance folder, no keys, no
    database touched): the offline verifier writes nothing.
    """
    group = FlaskGroup(create_app=_create_app,  # type: ignore[arg-type]
                       help="LienRx pharmacy lien system.")
    group.add_command(attestations)
    group()
