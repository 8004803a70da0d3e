"""Backup and restore, drilled: `lienrx db backup FILE`, restored into a fresh database, passes
`lienrx ledger verify` and `lienrx audit verify` and still decrypts its PHI with the keys."""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa
from flask import Flask

from lienrx.audit.models import AuditEvent
from lienrx.core import backup
from lienrx.extensions import db
from lienrx.parties.models import Patient
from tests import factories
from tests.conftest import BACKEND, PG_ADMIN_URL, PRODUCTION_IDENTITY, TEST_KEYS

sqlite_only = pytest.mark.skipif(BACKEND != "sqlite", reason="SQLite's backup; PG below")


@pytest.fixture
def books(app: Flask, world: Any) -> dict[str, Any]:
    """A case with a charge and a payment-free balance; what the restored copy must show."""
    with app.app_context():
        factories.ledger_charge(world.case_id, 18550)
        factories.ledger_charge(world.case_id, 4200)
        db.session.commit()
        patient = db.session.get(Patient, world.patient_id)
        found = {"patient_id": world.patient_id, "last_name": patient.last_name,
                 "events": db.session.query(AuditEvent).count()}
        db.session.remove()
        return found


LIENRX = "from lienrx.cli import main; main()"  # the console script's entry point


def production_env(database_url: str, tmp_path: Path) -> dict[str, str]:
    """A production environment on ``database_url`` with the keys kept apart from the backup."""
    return {**os.environ, "DATABASE_URL": database_url, "LIENRX_ENV": "production",
            "LIENRX_INSTANCE_PATH": str(tmp_path / "restore-instance"), **TEST_KEYS,
            **PRODUCTION_IDENTITY}


def run_lienrx(database_url: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    """Run ``lienrx ARGS`` in production mode on ``database_url``, in a process of its own."""
    env = production_env(database_url, tmp_path)
    return subprocess.run([sys.executable, "-c", LIENRX, *args], env=env, text=True,  # noqa: S603
                          capture_output=True, timeout=120, check=False)


def verify_restored(database_url: str, books: dict[str, Any], tmp_path: Path) -> None:
    """`lienrx ledger verify` and `lienrx audit verify` pass on the restored database, and
    its PHI decrypts with the data keys kept apart from it."""
    ledger = run_lienrx(database_url, tmp_path, "ledger", "verify")
    assert ledger.returncode == 0, ledger.stderr
    assert "ledger verified: 2 entries" in ledger.stdout
    chain = run_lienrx(database_url, tmp_path, "audit", "verify")
    assert chain.returncode == 0, chain.stderr
    assert f"audit chain intact: {books['events']} events" in chain.stdout
    env = production_env(database_url, tmp_path)
    reader = subprocess.run(  # noqa: S603
        [sys.executable, "-c", "import sys\n"
         "from lienrx import create_app\nfrom lienrx.extensions import db\n"
         "from lienrx.parties.models import Patient\n"
         "with create_app().app_context():\n"
         "    print(db.session.get(Patient, int(sys.argv[1])).last_name)",
         str(books["patient_id"])], env=env, text=True, capture_output=True, timeout=120,
        check=False)
    assert reader.returncode == 0, reader.stderr
    assert reader.stdout.strip() == books["last_name"]


@sqlite_only
def test_sqlite_backup_restored_to_a_fresh_file_passes_ledger_and_audit_verify(
        app, runner, books, tmp_path):
    target = tmp_path / "lienrx-backup.db"
    result = runner.invoke(args=["db", "backup", str(target)])
    assert result.exit_code == 0, result.output
    assert "LIENRX_DATA_KEYS and LIENRX_SIGNING_KEY" in result.output
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    restored = tmp_path / "restored" / "lienrx.db"  # the restore: the file put in place
    restored.parent.mkdir()
    shutil.copyfile(target, restored)
    verify_restored(f"sqlite:///{restored}", books, tmp_path)


@sqlite_only
def test_sqlite_backup_while_a_write_is_open_copies_only_committed_work(app, books, tmp_path):
    with app.app_context():
        url = db.engine.url
    writer = sqlite3.connect(url.database, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")  # the server, mid-request, holding the write lock
        writer.execute("INSERT INTO law_firms (name, created_at) "
                       "VALUES ('uncommitted firm', '2026-01-01 00:00:00')")
        done = backup.backup(url, tmp_path / "copy.db")
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    copy = sqlite3.connect(done.path)
    try:
        names = [row[0] for row in copy.execute("SELECT name FROM law_firms")]
    finally:
        copy.close()
    assert "uncommitted firm" not in names and len(names) == 1
    verify_restored(f"sqlite:///{done.path}", books, tmp_path)


def test_backup_refuses_a_file_that_exists(runner, tmp_path):
    target = tmp_path / "exists.db"
    target.write_bytes(b"yesterday's backup")
    result = runner.invoke(args=["db", "backup", str(target)])
    assert result.exit_code == 1
    assert "exists already" in result.output
    assert target.read_bytes() == b"yesterday's backup"


def test_backup_audits_itself(app, runner, books, tmp_path):
    assert runner.invoke(args=["db", "backup", str(tmp_path / "b.dump")]).exit_code == 0
    with app.app_context():
        assert db.session.execute(sa.select(AuditEvent.action).order_by(AuditEvent.id.desc())
                                  .limit(1)).scalar_one() == "database.backed_up"
        db.session.remove()


def test_postgresql_without_pg_dump_says_pg_dump_is_the_tool(tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(backup.BackupError, match="pg_dump -Fc"):
        backup.backup(sa.make_url("postgresql+psycopg://lienrx@db.example/lienrx"),
                      tmp_path / "x.dump")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.postgres_only
def test_postgresql_backup_restored_with_pg_restore_passes_ledger_and_audit_verify(
        app, runner, books, tmp_path):
    if shutil.which("pg_restore") is None:
        pytest.fail("pg_restore is not installed (Debian: postgresql-client)")
    target = tmp_path / "lienrx.dump"
    result = runner.invoke(args=["db", "backup", str(target)])
    assert result.exit_code == 0, result.output
    assert "pg_dump --format=custom" in result.output
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    name = f"lienrx_restore_{uuid.uuid4().hex[:10]}"
    assert PG_ADMIN_URL is not None
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    try:
        subprocess.run(["pg_restore", "--no-owner", "--exit-on-error", "-d", url, str(target)],  # noqa: S603, S607
                       check=True, capture_output=True)
        verify_restored(url, books, tmp_path)
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_the_restore_drill_is_documented():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme[readme.index("## Backup and restore"):]
    for needed in ("lienrx db backup", "pg_dump -Fc", "pg_restore", "LIENRX_DATA_KEYS",
                   "LIENRX_SIGNING_KEY", "lienrx ledger verify", "lienrx audit verify"):
        assert needed in section, needed
