"""What every benchmark shares: a throwaway database, the app on it, bulk inserts, timing.

A benchmark creates its database with :func:`throwaway_database` (a fresh PostgreSQL
database, dropped at the end, like tests/conftest.py; or a temporary SQLite file), builds the
app with :func:`make_app` and migrates it with :func:`migrate`.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
import sqlalchemy as sa  # noqa: E402

DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
BATCH = 10_000


def admin_url_default() -> str:
    """The PostgreSQL server's admin URL: $LIENRX_TEST_PG_ADMIN_URL, else the local one."""
    return os.environ.get("LIENRX_TEST_PG_ADMIN_URL", DEFAULT_ADMIN_URL)


def keys() -> dict[str, str]:
    """A fresh secret key, PHI data key and signing key."""
    from lienrx.core import crypto

    return {"SECRET_KEY": "bench", "LIENRX_DATA_KEYS": crypto.new_data_key(),
            "LIENRX_SIGNING_KEY": crypto.new_signing_seed()}


@contextmanager
def instance_path() -> Iterator[str]:
    """A temporary instance folder, set as $LIENRX_INSTANCE_PATH unless one is set."""
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("LIENRX_INSTANCE_PATH", tmp)
        yield tmp


@contextmanager
def throwaway_database(admin_url: str, *, sqlite_in: str | None = None) -> Iterator[str]:
    """Yield the URL of a new, empty database, dropped afterwards: on the PostgreSQL server of
    ``admin_url``, or a SQLite file in the folder ``sqlite_in``."""
    if sqlite_in is not None:
        yield f"sqlite:///{Path(sqlite_in) / 'bench.db'}"
        return
    name = f"lienrx_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin_url.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def make_app(url: str, secrets: dict[str, str], **settings: Any) -> Any:
    """The application (testing mode) on the benchmark database."""
    from lienrx import create_app

    return create_app({"LIENRX_ENV": "testing", "DATABASE_URL": url, **secrets, **settings})


def migrate(app: Any) -> None:
    """Bring the app's database to the head migration (inside an app context)."""
    from flask_migrate import upgrade

    upgrade(directory=app.extensions["migrate"].directory)


def insert(table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """Insert rows in batches through SQLAlchemy Core (column types encrypt PHI)."""
    from lienrx.extensions import db

    for start in range(0, len(rows), BATCH):
        db.session.execute(sa.insert(table), rows[start:start + BATCH])


def reset_sequences(*tables: str) -> None:
    """Move each table's id sequence past the ids inserted by hand (PostgreSQL)."""
    from lienrx.extensions import db

    for table in tables:
        db.session.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                   f"(SELECT max(id) FROM {table}))"))


def settle() -> None:
    """Leave a bulk-loaded database as a live one is: vacuumed (hint bits and visibility map
    set, as autovacuum would long since have done), analysed, and checkpointed, so no timing
    pays for the load's aftermath (the first read of a fresh row rewrites its page)."""
    from lienrx.extensions import db

    with db.engine.connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        conn.exec_driver_sql("VACUUM ANALYZE")
        conn.exec_driver_sql("CHECKPOINT")


def percentile(samples: list[float], p: float) -> float:
    """The p-th percentile (nearest rank) of the samples."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def median_seconds(runs: int, work: Callable[[], Any], after: Callable[[], Any]) -> float:
    """The median wall time of ``work`` over ``runs`` runs, ``after`` run outside the timing."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
        after()
    return statistics.median(times)
