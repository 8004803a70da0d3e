"""`lienrx serve`: check the schema is current, then run gunicorn with workers sized to the
machine. Migrating and seeding are `lienrx db upgrade` and `lienrx seed …` (`make run` runs
them); serving never changes the schema or the data it was given."""

from __future__ import annotations

import os
from typing import Any

import click
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from flask.cli import with_appcontext
from gunicorn.app.base import BaseApplication

from lienrx.attestations.keys import register_current_key
from lienrx.extensions import db


def default_workers() -> int:
    """(2 × cores) + 1, gunicorn's rule of thumb, unless LIENRX_WORKERS says otherwise."""
    configured = os.environ.get("LIENRX_WORKERS")
    if configured and configured.isdigit() and int(configured) > 0:
        return int(configured)
    return 2 * (os.cpu_count() or 1) + 1


def schema_revisions() -> tuple[set[str], set[str]]:
    """(the revisions the database is at, the heads of the migration scripts)."""
    migrate = current_app.extensions["migrate"]
    scripts = ScriptDirectory.from_config(migrate.migrate.get_config(migrate.directory))
    with db.engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    return current, set(scripts.get_heads())


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    """Gunicorn driven from Python; each worker builds its own application."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from lienrx import create_app

        return create_app()


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=None, type=int, help="default: 2 × cores + 1")
@with_appcontext
def serve(host: str, port: int, workers: int | None) -> None:
    """Run the production server (gunicorn) on the configured database.

    Refuses to start while migrations are pending: run `lienrx db upgrade` first.
    """
    current, heads = schema_revisions()
    if current != heads:
        at = f"at {', '.join(sorted(current))}" if current else "empty (no migration applied)"
        raise click.ClickException(
            f"migrations are pending: the database is {at}, the latest migration is "
            f"{', '.join(sorted(heads))}. Run `lienrx db upgrade` first, then `lienrx serve`.")
    register_current_key()  # GET /api/v1/attestation-keys lists it; reads never write
    db.session.commit()
    db.engine.dispose()  # the workers open their own connections after the fork
    _Gunicorn({
        "bind": f"{host}:{port}",
        "workers": workers or default_workers(),
        "timeout": 60,
        "accesslog": "-",
        # the path without its query string: a query may name a patient
        "access_log_format": '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(L)ss',
    }).run()
