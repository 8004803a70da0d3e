"""`lienrx serve`: migrate, then run gunicorn with workers sized to the machine."""

from __future__ import annotations

import os
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade
from gunicorn.app.base import BaseApplication

from lienrx.attestations.keys import register_current_key
from lienrx.extensions import db
from lienrx.seeds.formulary import seed_formulary


def default_workers() -> int:
    """(2 × cores) + 1, gunicorn's rule of thumb, unless LIENRX_WORKERS says otherwise."""
    configured = os.environ.get("LIENRX_WORKERS")
    if configured and configured.isdigit() and int(configured) > 0:
        return int(configured)
    return 2 * (os.cpu_count() or 1) + 1


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
@click.option("--no-migrate", is_flag=True, help="do not apply pending migrations first")
@with_appcontext
def serve(host: str, port: int, workers: int | None, no_migrate: bool) -> None:
    """Run the production server (gunicorn) on the configured database."""
    if not no_migrate:
        upgrade(directory=current_app.extensions["migrate"].directory)
        seed_formulary()  # idempotent: the formulary exists on a fresh database
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
