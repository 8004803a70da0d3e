"""Back up the database while the server runs: SQLite's online backup API, or pg_dump.

A backup holds the data only. The PHI in it is encrypted with ``LIENRX_DATA_KEYS`` and the
attestations are signed with ``LIENRX_SIGNING_KEY``: without those keys a restored database
cannot show a patient's name, and with them beside it the backup is the patient data in
clear. Keep the keys in another place (a secrets manager, a sealed envelope), never in the
backup's directory.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess  # noqa: S404 - pg_dump, with an argument list, never a shell
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa


class BackupError(RuntimeError):
    """The backup could not be made; the message says why and what to do."""


@dataclass(frozen=True)
class Backup:
    """A finished backup: where it is, how big, and how it was made."""

    path: Path
    size: int
    method: str


def backup(url: sa.URL, target: Path, *, pg_dump: str | None = None) -> Backup:
    """Copy the database at ``url`` into ``target`` (which must not exist yet)."""
    if target.exists():
        raise BackupError(f"{target} exists already; name a new file.")
    if not target.parent.is_dir():
        raise BackupError(f"{target.parent} is not a directory.")
    if url.get_backend_name() == "sqlite":
        return _sqlite(url, target)
    if url.get_backend_name() == "postgresql":
        return _postgresql(url, target, pg_dump or shutil.which("pg_dump"))
    raise BackupError(f"No backup method for {url.get_backend_name()}.")


def _private_file(target: Path) -> Path:
    """An empty file beside ``target`` that only its owner may read: the copy goes in it."""
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    return partial


def _sqlite(url: sa.URL, target: Path) -> Backup:
    """SQLite's online backup API: one consistent snapshot, even while the server writes.

    The copy is written beside ``target`` and renamed into place, so a failed backup never
    leaves a file that looks whole.
    """
    source_path = Path(url.database or "")
    if not url.database or url.database == ":memory:" or not source_path.is_file():
        raise BackupError(f"No SQLite database file at {url.database!r}.")
    if source_path.resolve() == target.resolve():
        raise BackupError("The backup cannot be the database itself.")
    partial = _private_file(target)
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True, timeout=30)
    try:
        copy = sqlite3.connect(partial)
        try:
            source.backup(copy)  # all pages in one step: a single read snapshot
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal
            check = copy.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            copy.close()
    except sqlite3.Error as exc:
        partial.unlink(missing_ok=True)
        raise BackupError(f"SQLite backup failed: {exc}") from exc
    finally:
        source.close()
    if check != "ok":
        partial.unlink(missing_ok=True)
        raise BackupError(f"The copy failed its integrity check: {check}")
    partial.replace(target)
    return Backup(target, target.stat().st_size, "sqlite3 online backup")


def _postgresql(url: sa.URL, target: Path, pg_dump: str | None) -> Backup:
    """``pg_dump -Fc``: a consistent snapshot in pg_restore's custom format."""
    if pg_dump is None:
        raise BackupError("pg_dump is not installed. On PostgreSQL, back up with "
                          "`pg_dump -Fc -f FILE DATABASE` (PostgreSQL's client tools) and "
                          "restore with `pg_restore`.")
    # libpq's URL, without the driver and without the password (that goes in the environment,
    # not on a command line other users can read).
    plain = url.set(drivername="postgresql", password=None)
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    partial = _private_file(target)
    done = subprocess.run(  # noqa: S603 - fixed program, argument list, no shell
        [pg_dump, "--format=custom", "--no-owner", "--file", str(partial),
         plain.render_as_string(hide_password=False)],
        env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        partial.unlink(missing_ok=True)
        raise BackupError(f"pg_dump failed (exit {done.returncode}): "
                          f"{done.stderr.strip()[-500:]}")
    partial.replace(target)
    return Backup(target, target.stat().st_size, "pg_dump --format=custom")
