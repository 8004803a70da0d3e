"""Fixtures: one migrated database per run (SQLite or PostgreSQL), reset after every test.

Tests commit for real, so constraint triggers, row locks and the audit chain behave as in
production. Set LIENRX_TEST_PG_ADMIN_URL to run the whole suite on PostgreSQL.
"""

from __future__ import annotations

import contextvars
import functools
import os
import shutil
import uuid
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy.pool import NullPool

from lienrx import create_app
from lienrx.core import clock, crypto
from lienrx.extensions import db, limiter
from tests import factories

# One browser for the whole run (Playwright's sync API allows a single instance).
pytest_plugins = ["tests.browser"]

PG_ADMIN_URL = os.environ.get("LIENRX_TEST_PG_ADMIN_URL")
BACKEND = "postgresql" if PG_ADMIN_URL else "sqlite"


def pytest_report_header() -> str:
    return f"lienrx backend: {BACKEND}"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.get_closest_marker("postgres_only") and BACKEND != "postgresql":
            item.add_marker(pytest.mark.skip(reason="PostgreSQL behaviour; runs in the PG pass"))


# Who the pharmacy is: production refuses to start without these (tests that run production).
PRODUCTION_IDENTITY = {
    "LIENRX_PUBLIC_URL": "https://rx.pharmacy.example",
    "LIENRX_PHARMACY_NAME": "Cumberland Compounding Pharmacy",
    "LIENRX_PHARMACY_ADDRESS": "100 Broadway, Nashville, TN 37201",
    "LIENRX_PHARMACY_PHONE": "615-555-0100",
    "LIENRX_PHARMACY_NPI": "1234567893",
    "LIENRX_PHARMACY_DEA": "FC1234563",
}

TEST_KEYS = {
    "SECRET_KEY": "test-secret-key-not-for-production",
    "LIENRX_DATA_KEYS": crypto.new_data_key(),
    "LIENRX_SIGNING_KEY": crypto.new_signing_seed(),
}


def test_settings(database_url: str, **extra: Any) -> dict[str, Any]:
    """Settings for an application under test.

    SQLite gets no connection pool: the file is replaced between tests, and a pooled
    connection (of this or a second app in the same test) must never outlive it.
    """
    settings: dict[str, Any] = {"LIENRX_ENV": "testing", "DATABASE_URL": database_url,
                                **TEST_KEYS}
    if database_url.startswith("sqlite"):
        settings["SQLALCHEMY_ENGINE_OPTIONS"] = {"poolclass": NullPool}
    return {**settings, **extra}


# Every engine any application of the run opened, so all of them close before the end.
ENGINES: weakref.WeakSet[sa.Engine] = weakref.WeakSet()
sa.event.listen(sa.Engine, "engine_connect", lambda conn: ENGINES.add(conn.engine))


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A freshly migrated database for this run."""
    if PG_ADMIN_URL:
        name = f"lienrx_test_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
        yield url
        for engine in list(ENGINES):
            engine.dispose()
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'lienrx.db'}"


class IsolatedClient(FlaskClient):
    """A test client whose requests never share the test's application context.

    Flask reuses an already-pushed app context for a request; a test holding one (``ctx``)
    would then share ``g`` and the database session with every request it makes, which a
    real server never does. The body is read within the request's own context too, as a
    server reads it, so a streamed body (``stream_with_context``) finds its request.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("buffered", True)
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture(scope="session")
def app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The application, its schema built by the real migrations."""
    os.environ["LIENRX_INSTANCE_PATH"] = str(tmp_path_factory.mktemp("instance"))
    application = create_app(test_settings(database_url))
    application.test_client_class = IsolatedClient
    with application.app_context():
        upgrade(directory=application.extensions["migrate"].directory)
        if BACKEND == "sqlite":
            db.engine.dispose()  # closing the last connection checkpoints the WAL
            path = Path(db.engine.url.database or "")
            shutil.copyfile(path, path.with_suffix(".template"))
        else:
            _keep_rows_in_insertion_order()
    yield application
    with application.app_context():
        db.engine.dispose()


def _reset_database(application: Flask) -> None:
    with application.app_context():
        db.session.remove()
        if BACKEND == "sqlite":
            db.engine.dispose()
            path = Path(db.engine.url.database or "")
            for suffix in ("-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            shutil.copyfile(path.with_suffix(".template"), path)
        else:
            with db.engine.begin() as conn:
                # replica role: the append-only triggers stand aside for the clean-up only
                conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
                conn.exec_driver_sql(_empty_every_table())


def _keep_rows_in_insertion_order() -> None:
    """No autovacuum on the test database: the reset DELETEs rows, and a vacuum would let
    later inserts fill the freed space, so a query without ORDER BY would no longer return
    rows in the order a test made them (as a freshly truncated table does)."""
    with db.engine.begin() as conn:
        for table in db.metadata.sorted_tables:
            conn.exec_driver_sql(f'ALTER TABLE "{table.name}" SET (autovacuum_enabled = false)')


@functools.cache
def _empty_every_table() -> str:
    """DELETE, not TRUNCATE: a test leaves a few rows, and TRUNCATE of every table costs
    about 115 ms (new files for each table) against 9 ms here. Ids start again at 1, as after
    a fresh migration."""
    return "; ".join(
        [f'DELETE FROM "{table.name}"'  # noqa: S608 - table names from the models
         for table in reversed(db.metadata.sorted_tables)]
        + ["SELECT setval(oid, 1, false) FROM pg_class WHERE relkind = 'S'"])


@pytest.fixture(autouse=True)
def _isolation(app: Flask, request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "browser" in request.fixturenames:
        from tests.browser import close_pages  # the plugin above (imported once registered)

        close_pages(request.getfixturevalue("browser"))
    start_afresh(app)


def start_afresh(app: Flask) -> None:
    """Leave nothing for the next test: the clock, the rate limits, second applications'
    engines and every row."""
    clock.freeze(None)
    with app.app_context():
        limiter.reset()
        main_engine = db.engine
    for engine in list(ENGINES):  # engines of second applications a test made
        if engine is not main_engine:
            engine.dispose()
    _reset_database(app)


@pytest.fixture
def ctx(app: Flask) -> Iterator[Flask]:
    """An application context for calling services directly."""
    with app.app_context():
        yield app
        db.session.remove()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> Any:
    return app.test_cli_runner()


class ApiClient:
    """A test client that sends a bearer token and JSON."""

    def __init__(self, client: FlaskClient, token: str | None, user_id: int | None = None):
        self.client, self.token, self.user_id = client, token, user_id

    def _headers(self, extra: dict[str, str] | None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return {**headers, **(extra or {})}

    def get(self, path: str, **kw: Any) -> Any:
        return self.client.get(path, headers=self._headers(kw.pop("headers", None)), **kw)

    def post(self, path: str, json: Any = None, **kw: Any) -> Any:
        return self.client.post(path, json=json, headers=self._headers(kw.pop("headers", None)),
                                **kw)

    def delete(self, path: str, **kw: Any) -> Any:
        return self.client.delete(path, headers=self._headers(kw.pop("headers", None)), **kw)


@pytest.fixture
def api_as(app: Flask, client: FlaskClient) -> Any:
    """``api_as("billing")`` → an ApiClient for a new user of that role.

    Attorneys belong to ``firm`` (a new firm when not given).
    """

    def make(role: str, firm: Any = None, **user_fields: Any) -> ApiClient:
        with app.app_context():
            user = factories.user(role, firm_id=getattr(firm, "id", firm), **user_fields)
            token = factories.token(user)
            db.session.commit()
            return ApiClient(client, token, user.id)

    return make


@pytest.fixture
def anonymous(client: FlaskClient) -> ApiClient:
    return ApiClient(client, None)


@pytest.fixture
def world(app: Flask) -> Any:
    """A firm with an attorney, a patient, a prescriber and an active case."""
    with app.app_context():
        built = factories.World.build()
        db.session.commit()
        return built
