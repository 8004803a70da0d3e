"""Guessing passwords: per-account backoff across addresses, one sign-in bucket per address
for the page and the token endpoint, X-Forwarded-For only behind configured proxies."""

import pytest

from lienrx import create_app
from lienrx.config import ConfigError, load_settings
from lienrx.core.ratelimit import FailureBackoff
from lienrx.extensions import db, limiter
from tests import factories
from tests.auth.test_login_page import sign_in
from tests.conftest import IsolatedClient
from tests.conftest import test_settings as settings_for

WRONG = "not the password at all"


@pytest.fixture
def rph(ctx):
    user = factories.user("pharmacist", email="rph@example.test")
    db.session.commit()
    return user


@pytest.fixture
def behind_proxy(database_url):
    """The application as deployed behind one proxy (LIENRX_TRUSTED_PROXIES=1)."""
    application = create_app(settings_for(database_url, LIENRX_TRUSTED_PROXIES=1))
    application.test_client_class = IsolatedClient
    return application


def token_attempt(client, email="rph@example.test", password=WRONG, address=None):
    headers = {"X-Forwarded-For": address} if address else {}
    return client.post("/api/v1/auth/token", json={"email": email, "password": password},
                       headers=headers)


# --- per account --------------------------------------------------------------------------

def test_account_backoff_refuses_the_sixth_guess_429_even_with_the_right_password(client, rph):
    for _ in range(5):
        assert token_attempt(client).status_code == 401
    response = token_attempt(client, password=factories.PASSWORD)
    assert response.status_code == 429
    assert response.mimetype == "application/problem+json"
    assert response.json["code"] == "rate_limited"
    # Flask-Limiter's header takes the later of the account's wait and the address's window
    assert 1 <= response.json["retry_after"] <= int(response.headers["Retry-After"])


def test_account_backoff_counts_across_addresses(behind_proxy, rph):
    client = behind_proxy.test_client()
    for i in range(5):
        assert token_attempt(client, address=f"198.51.100.{i}").status_code == 401
    assert token_attempt(client, address="198.51.100.77").status_code == 429


def test_account_backoff_counts_page_and_token_together_and_shows_on_the_page(client, rph):
    for _ in range(3):
        assert sign_in(client, "rph@example.test", password=WRONG).status_code == 200
    for _ in range(2):
        assert token_attempt(client).status_code == 401
    response = sign_in(client, "rph@example.test")
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) >= 1
    html = response.get_data(as_text=True)
    assert "Too many failed sign-ins for this account" in html
    assert 'value="rph@example.test"' in html
    assert client.get("/staff/").status_code == 302  # not signed in


def test_account_backoff_applies_to_unknown_emails_alike(client):
    for _ in range(5):
        assert token_attempt(client, email="nobody@example.test").status_code == 401
    assert token_attempt(client, email="NOBODY@example.test").status_code == 429


def test_account_backoff_leaves_other_accounts_alone(client, rph):
    for _ in range(5):
        token_attempt(client, email="nobody@example.test")
    assert token_attempt(client, password=factories.PASSWORD).status_code == 201


def test_account_backoff_success_resets_the_failures(client, rph):
    for _ in range(4):
        assert token_attempt(client).status_code == 401
    assert token_attempt(client, password=factories.PASSWORD).status_code == 201
    for _ in range(4):
        assert token_attempt(client).status_code == 401
    assert token_attempt(client, password=factories.PASSWORD).status_code == 201


def test_account_backoff_doubles_with_each_failure_up_to_the_cap(app, ctx):
    backoff = FailureBackoff(limiter.storage, "test", free=5, cap=60, window=3600)
    waits = [backoff.failed("someone@example.test") for _ in range(13)]
    assert waits == [0, 0, 0, 0, 1, 2, 4, 8, 16, 32, 60, 60, 60]
    assert 1 <= backoff.retry_after("someone@example.test") <= 60
    assert backoff.retry_after("someone-else@example.test") == 0
    backoff.succeeded("someone@example.test")
    assert backoff.retry_after("someone@example.test") == 0


def test_account_backoff_is_shared_by_every_worker(database_url, app, rph):
    # two applications on one database stand for two gunicorn workers
    other_worker = create_app(settings_for(database_url))
    other_worker.test_client_class = IsolatedClient
    for _ in range(5):
        assert token_attempt(app.test_client()).status_code == 401
    assert token_attempt(other_worker.test_client()).status_code == 429


# --- per address --------------------------------------------------------------------------

def test_sign_in_bucket_is_shared_by_the_page_and_the_token_endpoint(client):
    for i in range(5):
        assert sign_in(client, f"guess{i}@example.test", password=WRONG).status_code == 200
    for i in range(5, 10):
        assert token_attempt(client, email=f"guess{i}@example.test").status_code == 401
    assert token_attempt(client, email="guess10@example.test").status_code == 429
    assert sign_in(client, "guess11@example.test", password=WRONG).status_code == 429


def test_x_forwarded_for_is_ignored_without_trusted_proxies(client):
    for i in range(10):
        response = token_attempt(client, email=f"guess{i}@example.test", address=f"203.0.113.{i}")
        assert response.status_code == 401
    assert token_attempt(client, email="guess10@example.test",
                         address="203.0.113.99").status_code == 429


def test_x_forwarded_for_is_honoured_with_trusted_proxies(behind_proxy):
    client = behind_proxy.test_client()
    for i in range(10):
        response = token_attempt(client, email=f"guess{i}@example.test", address="203.0.113.1")
        assert response.status_code == 401
    assert token_attempt(client, email="guess10@example.test",
                         address="203.0.113.1").status_code == 429
    assert token_attempt(client, email="guess11@example.test",
                         address="203.0.113.2").status_code == 401


@pytest.mark.parametrize("value", ["-1", "one", "1.5"])
def test_trusted_proxies_must_be_a_whole_number(tmp_path, value):
    with pytest.raises(ConfigError, match="LIENRX_TRUSTED_PROXIES"):
        load_settings(str(tmp_path), environ={"LIENRX_TRUSTED_PROXIES": value})


def test_trusted_proxies_default_to_none(tmp_path):
    assert load_settings(str(tmp_path), environ={})["LIENRX_TRUSTED_PROXIES"] == 0
    settings = load_settings(str(tmp_path), environ={"LIENRX_TRUSTED_PROXIES": "2"})
    assert settings["LIENRX_TRUSTED_PROXIES"] == 2
