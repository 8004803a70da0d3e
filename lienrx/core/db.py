"""Declarative base with a naming convention, and column types shared by every domain."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app, has_app_context, has_request_context
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def violates_unique(error: IntegrityError, table: str, column: str) -> bool:
    """Whether a flush failed on the unique constraint of ``table.column`` (named by the
    convention ``uq_<table>_<column>``): the loser of a race past a uniqueness pre-check."""
    diag = getattr(error.orig, "diag", None)  # psycopg names the violated constraint
    name = getattr(diag, "constraint_name", None)
    if name is not None:
        return bool(name == f"uq_{table}_{column}")
    return f"UNIQUE constraint failed: {table}.{column}" in str(error.orig)  # SQLite


class Base(DeclarativeBase):
    """Root of every LienRx model; carries the constraint naming convention."""

    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """A timestamp that is always stored and returned as timezone-aware UTC.

    SQLite keeps no offset, so values read back naive are UTC by construction.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use lienrx.core.clock.utcnow()")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def one_of(column: str, values: tuple[str, ...] | list[str], name: str) -> sa.CheckConstraint:
    """A CHECK constraint that limits a text column to a closed set of values."""
    quoted = ", ".join(f"'{v}'" for v in values)
    return sa.CheckConstraint(f"{column} IN ({quoted})", name=name)


def configure_sqlite(engine: sa.Engine) -> None:
    """Make SQLite behave for a multi-process server.

    The database file is created owner-only (0600). Foreign keys on, WAL so readers never
    block, and BEGIN IMMEDIATE so a transaction takes the write lock before it reads what it
    will change (the audit chain head, a prescription's remaining quantity): concurrent writers
    queue instead of failing on a stale snapshot.
    """
    if engine.dialect.name != "sqlite":
        return
    path = engine.url.database
    on_disk = path not in (None, "", ":memory:") and not str(path).startswith("file:")

    @sa.event.listens_for(engine, "do_connect")
    def _create_owner_only(dialect: Any, record: Any, cargs: Any, cparams: Any) -> None:
        # SQLite would create the file with the process's umask (often world-readable), and
        # gives its -wal and -shm files the database file's mode: create it owner-only first.
        if on_disk and not os.path.exists(str(path)):
            try:
                os.close(os.open(str(path), os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
            except (FileExistsError, FileNotFoundError):
                pass  # a twin created it, or the folder is missing and SQLite will say so

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, record: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself, below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        # The test suite holds long-lived app contexts that only read between requests.
        deferred = (not has_request_context() and has_app_context()
                    and not current_app.config["SQLITE_IMMEDIATE_OUTSIDE_REQUESTS"])
        connection.exec_driver_sql("BEGIN" if deferred else "BEGIN IMMEDIATE")
