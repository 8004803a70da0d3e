"""`lienrx serve` in production mode on a fresh database: `lienrx db upgrade`, then serve."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import psycopg
import pytest

from lienrx.core import crypto
from tests.conftest import PG_ADMIN_URL, PRODUCTION_IDENTITY

LIENRX = str(Path(sys.executable).with_name("lienrx"))


@pytest.fixture
def fresh_database(tmp_path):
    """An empty database of the backend under test."""
    if not PG_ADMIN_URL:
        yield f"sqlite:///{tmp_path / 'served.db'}"
        return
    name = f"lienrx_serve_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def production_env(tmp_path, database_url, **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIENRX_")}
    env.update({"LIENRX_ENV": "production", "DATABASE_URL": database_url,
                "LIENRX_INSTANCE_PATH": str(tmp_path / "instance"), "LIENRX_WORKERS": "2",
                "SECRET_KEY": "s" * 48, "LIENRX_DATA_KEYS": crypto.new_data_key(),
                "LIENRX_SIGNING_KEY": crypto.new_signing_seed(), **PRODUCTION_IDENTITY,
                **extra})
    return env


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def request(url, body=None, token=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, headers=headers)  # noqa: S310 - localhost
    try:
        with urllib.request.urlopen(req, timeout=10) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_production_serve_refuses_to_start_without_keys(tmp_path, fresh_database):
    env = production_env(tmp_path, fresh_database)
    for name in ("SECRET_KEY", "LIENRX_DATA_KEYS", "LIENRX_SIGNING_KEY"):
        del env[name]
    result = subprocess.run([LIENRX, "serve"], env=env, capture_output=True, text=True,
                            timeout=60, check=False)
    assert result.returncode != 0
    for name in ("SECRET_KEY", "LIENRX_DATA_KEYS", "LIENRX_SIGNING_KEY"):
        assert name in result.stderr


def test_production_serve_refuses_to_start_without_public_url(tmp_path, fresh_database):
    env = production_env(tmp_path, fresh_database)
    del env["LIENRX_PUBLIC_URL"]
    result = subprocess.run([LIENRX, "serve"], env=env, capture_output=True, text=True,
                            timeout=60, check=False)
    assert result.returncode != 0
    assert "LIENRX_PUBLIC_URL" in result.stderr


def lienrx(env, *args):
    return subprocess.run([LIENRX, *args], env=env, capture_output=True, text=True, timeout=120,
                          check=False)


def test_serve_refuses_to_start_while_migrations_are_pending(tmp_path, fresh_database):
    env = production_env(tmp_path, fresh_database)
    refused = lienrx(env, "serve", "--port", str(free_port()))
    assert refused.returncode != 0
    assert "lienrx db upgrade" in refused.stderr and "no migration applied" in refused.stderr
    # serving migrated nothing: the first migration is still to run
    first = "160fbecdcf6b"
    previous = lienrx(env, "db", "history").stdout.split()[0]  # newest first: "previous -> head"
    upgraded = lienrx(env, "db", "upgrade", previous)
    assert upgraded.returncode == 0, upgraded.stderr
    assert f"-> {first}" in upgraded.stderr
    refused = lienrx(env, "serve", "--port", str(free_port()))
    assert refused.returncode != 0
    assert "lienrx db upgrade" in refused.stderr and f"database is at {previous}" in refused.stderr


def test_production_serve_answers_the_api_after_db_upgrade(tmp_path, fresh_database):
    env = production_env(tmp_path, fresh_database)
    upgraded = lienrx(env, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    port = free_port()
    log_path = tmp_path / "serve.log"
    with log_path.open("w") as log:
        server = subprocess.Popen([LIENRX, "serve", "--port", str(port)], env=env, stdout=log,
                                  stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}/api/v1"
        deadline = time.monotonic() + 60
        while True:
            try:
                status, _ = request(f"{base}/me")
                break
            except (urllib.error.URLError, ConnectionError):
                assert server.poll() is None, log_path.read_text()
                assert time.monotonic() < deadline, "server did not come up"
                time.sleep(0.3)
        assert status == 401
        status, keys = request(f"{base}/attestation-keys")  # published when serve started
        assert status == 200 and [k["status"] for k in keys] == ["current"]
        with urllib.request.urlopen(f"{base}/attestation-keys", timeout=10) as answer:  # noqa: S310
            assert answer.headers["Strict-Transport-Security"] == (
                "max-age=31536000; includeSubDomains")
        created = subprocess.run(
            [LIENRX, "users", "create", "--email", "admin@example.test", "--name", "Admin",
             "--role", "admin"], env={**env, "LIENRX_PASSWORD": "a strong password"},
            capture_output=True, text=True, timeout=60, check=False)
        assert created.returncode == 0, created.stderr
        status, body = request(f"{base}/auth/token",
                               {"email": "admin@example.test", "password": "a strong password"})
        assert status == 201
        status, me = request(f"{base}/me", token=body["token"])
        assert (status, me["role"]) == (200, "admin")
        status, problem = request(f"{base}/users", {"email": "bad"}, token=body["token"])
        assert status == 422 and problem["code"] == "validation_failed"
        wrong = {"email": "admin@example.test", "password": "not the password"}
        statuses = [request(f"{base}/auth/token", wrong)[0] for _ in range(6)]
        assert statuses == [401] * 5 + [429]  # the account backs off, across all the workers
        guesses = [request(f"{base}/auth/token", {"email": f"guess{i}@example.test",
                                                  "password": "not the password"})[0]
                   for i in range(6)]
        assert guesses == [401] * 5 + [429]  # one allowance per address across the workers
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert "Internal error" not in log_path.read_text()
