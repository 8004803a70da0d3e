"""`lienrx db backup FILE`: a consistent copy of the database while the server runs.

It joins Flask-Migrate's `db` group (``lienrx.cli.DB_COMMANDS``). The copy itself is
lienrx.core.backup; the command lives here because it records an audit event.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from lienrx.audit import services as audit
from lienrx.core.backup import BackupError
from lienrx.core.backup import backup as make_backup
from lienrx.extensions import db

KEYS_REMINDER = ("The backup holds no keys: keep LIENRX_DATA_KEYS and LIENRX_SIGNING_KEY "
                 "backed up elsewhere, not beside it. Without them the PHI in it cannot be "
                 "read; with them beside it, it is readable by whoever finds it.")


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup(file: Path) -> None:
    """Copy the database to FILE, consistently, while the server runs.

    SQLite: the online backup API (restore by putting the file back while the server is
    stopped). PostgreSQL: pg_dump --format=custom (restore with pg_restore); without pg_dump
    installed it says so and exits 1.
    """
    try:
        done = make_backup(db.engine.url, file)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    audit.record(None, "database.backed_up", "database", None,
                 {"method": done.method, "bytes": done.size, "file": done.path.name})
    db.session.commit()
    click.echo(f"backed up to {done.path} ({done.size} bytes, {done.method})")
    click.echo(KEYS_REMINDER)
