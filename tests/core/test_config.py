"""SPEC §5: production refuses to start without its secrets; development generates them."""

import json
import os
import stat

import pytest
import sqlalchemy as sa

from lienrx import create_app
from lienrx.config import ConfigError, database_url, load_settings
from lienrx.core import crypto
from lienrx.core.db import configure_sqlite
from tests.conftest import PRODUCTION_IDENTITY
from tests.conftest import test_settings as settings_for

PRODUCTION_KEYS = {"SECRET_KEY": "s" * 40, "LIENRX_DATA_KEYS": crypto.new_data_key(),
                   "LIENRX_SIGNING_KEY": crypto.new_signing_seed()}
HSTS = "max-age=31536000; includeSubDomains"


def test_production_refuses_to_start_without_secrets_naming_them(tmp_path):
    with pytest.raises(ConfigError) as refused:
        load_settings(str(tmp_path), environ={"LIENRX_ENV": "production"})
    message = str(refused.value)
    for name in ("SECRET_KEY", "LIENRX_DATA_KEYS", "LIENRX_SIGNING_KEY"):
        assert name in message


def test_production_names_only_the_missing_secret(tmp_path):
    env = {"LIENRX_ENV": "production", "SECRET_KEY": "s" * 40,
           "LIENRX_DATA_KEYS": crypto.new_data_key(), **PRODUCTION_IDENTITY}
    with pytest.raises(ConfigError) as refused:
        load_settings(str(tmp_path), environ=env)
    assert "LIENRX_SIGNING_KEY" in str(refused.value)
    assert "LIENRX_DATA_KEYS" not in str(refused.value)


def test_production_uses_secure_cookies(tmp_path):
    env = {"LIENRX_ENV": "production", **PRODUCTION_KEYS, **PRODUCTION_IDENTITY}
    settings = load_settings(str(tmp_path), environ=env)
    assert settings["SESSION_COOKIE_SECURE"] is True
    assert settings["SESSION_COOKIE_HTTPONLY"] is True
    assert settings["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_development_generates_missing_keys_into_instance_folder(tmp_path, caplog):
    first = load_settings(str(tmp_path), environ={})
    assert "generated" in caplog.text
    stored = json.loads((tmp_path / "dev-keys.json").read_text())
    assert stored["SECRET_KEY"] == first["SECRET_KEY"]
    assert (tmp_path / "dev-keys.json").stat().st_mode & 0o077 == 0
    again = load_settings(str(tmp_path), environ={})
    assert again["LIENRX_SIGNING_KEY"] == first["LIENRX_SIGNING_KEY"]


@pytest.fixture
def permissive_umask():
    """The common default umask (022), under which files are world-readable unless made
    otherwise."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def _mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.mark.parametrize("environ", [
    {},  # development: the generated keys are kept there
    {"LIENRX_ENV": "production", **PRODUCTION_KEYS, **PRODUCTION_IDENTITY},
])
def test_instance_folder_is_created_owner_only(tmp_path, permissive_umask, environ):
    instance = tmp_path / "instance"
    load_settings(str(instance), environ=environ)
    assert _mode(instance) == 0o700


def test_existing_instance_folder_is_left_as_its_owner_made_it(tmp_path, permissive_umask):
    instance = tmp_path / "instance"
    instance.mkdir(mode=0o750)
    instance.chmod(0o750)
    load_settings(str(instance), environ={})
    assert _mode(instance) == 0o750


@pytest.mark.parametrize("where", ["instance", "elsewhere"])
def test_sqlite_database_file_is_created_owner_only(tmp_path, permissive_umask, where):
    environ = {} if where == "instance" else {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'elsewhere.db'}"}
    settings = load_settings(str(tmp_path / "instance"), environ=environ)
    engine = sa.create_engine(settings["SQLALCHEMY_DATABASE_URI"])
    configure_sqlite(engine)  # as the application does
    path = engine.url.database
    with engine.begin() as conn:  # creates the file, then writes through the WAL
        conn.execute(sa.text("CREATE TABLE t (x INTEGER)"))
        conn.execute(sa.text("INSERT INTO t VALUES (1)"))
    with engine.connect():  # held open, so the WAL and shared-memory files remain
        assert _mode(path) == 0o600
        for suffix in ("-wal", "-shm"):
            assert _mode(f"{path}{suffix}") == 0o600, suffix
    engine.dispose()


def test_malformed_keys_are_named(tmp_path):
    with pytest.raises(ConfigError) as refused:
        create_app({"LIENRX_ENV": "testing", "SECRET_KEY": "x", "LIENRX_DATA_KEYS": "nope",
                    "LIENRX_SIGNING_KEY": crypto.new_signing_seed(),
                    "DATABASE_URL": f"sqlite:///{tmp_path}/x.db"})
    assert "LIENRX_DATA_KEYS" in str(refused.value)


@pytest.mark.parametrize(("raw", "expected"), [
    ("postgresql://u@h:5432/db", "postgresql+psycopg://u@h:5432/db"),
    ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
    ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
    ("sqlite:////tmp/x.db", "sqlite:////tmp/x.db"),
])
def test_plain_postgresql_url_gets_psycopg3_driver(raw, expected):
    assert database_url(raw, "/instance") == expected


def test_default_database_is_sqlite_in_instance_folder():
    assert database_url(None, "/srv/instance") == "sqlite:////srv/instance/lienrx.db"


def test_unknown_environment_refused(tmp_path):
    with pytest.raises(ConfigError):
        load_settings(str(tmp_path), environ={"LIENRX_ENV": "staging"})


def test_whole_number_settings_come_from_the_environment(tmp_path):
    env = {"LIENRX_PAYOFF_VALID_DAYS": "45", "IDLE_TIMEOUT_MINUTES": "10",
           "LIENRX_PHARMACY_ADDRESS": "1 Main St, Nashville, TN"}
    settings = load_settings(str(tmp_path), environ=env)
    assert settings["LIENRX_PAYOFF_VALID_DAYS"] == 45
    assert settings["IDLE_TIMEOUT_MINUTES"] == 10
    assert settings["LIENRX_PHARMACY_ADDRESS"] == "1 Main St, Nashville, TN"


@pytest.mark.parametrize("value", ["thirty", "0", "-5"])
def test_bad_whole_number_setting_is_named(tmp_path, value):
    with pytest.raises(ConfigError, match="LIENRX_PAYOFF_VALID_DAYS"):
        load_settings(str(tmp_path), environ={"LIENRX_PAYOFF_VALID_DAYS": value})


def test_production_refuses_to_start_without_public_url_naming_it(tmp_path):
    env = {"LIENRX_ENV": "production", **PRODUCTION_KEYS, **PRODUCTION_IDENTITY}
    del env["LIENRX_PUBLIC_URL"]
    with pytest.raises(ConfigError) as refused:
        load_settings(str(tmp_path), environ=env)
    assert "LIENRX_PUBLIC_URL" in str(refused.value)
    assert "SECRET_KEY" not in str(refused.value)


def test_production_names_every_missing_pharmacy_setting(tmp_path):
    with pytest.raises(ConfigError) as refused:
        load_settings(str(tmp_path), environ={"LIENRX_ENV": "production", **PRODUCTION_KEYS})
    for name in PRODUCTION_IDENTITY:
        assert name in str(refused.value)


def test_development_links_to_the_local_server_without_a_public_url(tmp_path):
    settings = load_settings(str(tmp_path), environ={})
    assert settings["LIENRX_PUBLIC_URL"] == "http://localhost:8000"


@pytest.mark.parametrize(("name", "value"), [
    ("LIENRX_PUBLIC_URL", "rx.pharmacy.example"), ("LIENRX_PUBLIC_URL", "ftp://rx.example"),
    ("LIENRX_PUBLIC_URL", "https://rx.example/?next=evil"),
    ("LIENRX_PHARMACY_NPI", "1234567890"), ("LIENRX_PHARMACY_DEA", "FC1234560")])
def test_malformed_pharmacy_settings_are_named(tmp_path, name, value):
    env = {"LIENRX_ENV": "production", **PRODUCTION_KEYS, **PRODUCTION_IDENTITY, name: value}
    with pytest.raises(ConfigError, match=name):
        load_settings(str(tmp_path), environ=env)


def test_hsts_is_sent_on_every_response_in_production(database_url):
    app = create_app(settings_for(database_url, LIENRX_ENV="production", **PRODUCTION_IDENTITY))
    client = app.test_client()
    for response in (client.get("/login"), client.get("/api/v1/attestation-keys"),
                     client.get("/api/v1/nowhere"), client.post("/api/v1/auth/token", data="{")):
        assert response.headers["Strict-Transport-Security"] == HSTS, response.status_code


def test_hsts_is_not_sent_outside_production(client):
    for response in (client.get("/login"), client.get("/api/v1/attestation-keys")):
        assert "Strict-Transport-Security" not in response.headers
