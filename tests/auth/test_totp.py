"""Two-step sign-in: the authentication code on /login and POST /auth/token, replay refused,
the secret encrypted at rest and never shown, logged or audited."""

import json

import pytest
import sqlalchemy as sa

from lienrx.audit.models import AuditEvent
from lienrx.auth.models import TotpFactor
from lienrx.core.key_rotation import encrypted_models
from lienrx.extensions import db
from tests import factories
from tests.auth.test_login_page import csrf_token
from tests.auth.totp_helpers import code, enrol, freeze_mid_step, wrong_code

EMAIL = "two-step@example.test"


@pytest.fixture
def enrolled(ctx):
    """A pharmacist with two-step sign-in on: (user, secret)."""
    freeze_mid_step()
    user = factories.user("pharmacist", email=EMAIL)
    secret = enrol(user)
    db.session.commit()
    return user, secret


def token(client, **extra):
    return client.post("/api/v1/auth/token",
                       json={"email": EMAIL, "password": factories.PASSWORD, **extra})


def sign_in(client, **extra):
    page = client.get("/login")
    return client.post("/login", data={"email": EMAIL, "password": factories.PASSWORD,
                                       "csrf_token": csrf_token(page.get_data(as_text=True)),
                                       **extra})


def test_token_without_totp_when_enrolled_is_401(client, enrolled):
    response = token(client)
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.json["code"] == "unauthenticated"


def test_token_with_wrong_totp_is_401_like_a_wrong_password(client, enrolled):
    _, secret = enrolled
    wrong = token(client, totp=wrong_code(secret))
    bad_password = client.post("/api/v1/auth/token", json={
        "email": EMAIL, "password": "not the password", "totp": code(secret)})
    assert wrong.status_code == bad_password.status_code == 401
    assert wrong.json == bad_password.json  # nothing tells which credential was wrong


def test_token_with_current_totp_is_201(client, enrolled):
    _, secret = enrolled
    response = token(client, totp=code(secret, steps=1))  # the previous one was used to enrol
    assert response.status_code == 201
    assert response.json["user"]["email"] == EMAIL


def test_totp_valid_window_is_one_step_either_side(client, enrolled):
    _, secret = enrolled
    assert token(client, totp=code(secret, steps=2)).status_code == 401
    assert token(client, totp=code(secret, steps=1)).status_code == 201


def test_totp_code_is_refused_when_reused(client, enrolled):
    _, secret = enrolled
    current = code(secret)
    assert token(client, totp=current).status_code == 201
    assert token(client, totp=current).status_code == 401
    # an older code of the window is used up too: steps only move forward
    assert token(client, totp=code(secret, steps=-1)).status_code == 401


def test_malformed_totp_is_422_on_totp(client, enrolled):
    response = token(client, totp="12ab56")
    assert response.status_code == 422
    assert "totp" in response.json["errors"]


def test_totp_is_ignored_for_a_user_without_two_step_sign_in(ctx, client):
    factories.user("billing", email=EMAIL)
    db.session.commit()
    assert token(client, totp="123456").status_code == 201
    assert token(client).status_code == 201


def test_totp_failures_count_towards_the_sign_in_rate_limit(app, client, enrolled):
    _, secret = enrolled
    for _ in range(app.config["LOGIN_ACCOUNT_FREE_FAILURES"]):
        assert token(client, totp=wrong_code(secret)).status_code == 401
    assert token(client, totp=code(secret)).status_code == 429


def test_failed_totp_sign_in_is_audited(client, enrolled):
    user, secret = enrolled
    token(client, totp=wrong_code(secret))
    events = db.session.execute(sa.select(AuditEvent).where(
        AuditEvent.action == "auth.failed")).scalars().all()
    assert [(e.entity_id, e.details) for e in events] == [(str(user.id), {"factor": "totp"})]


def test_login_page_has_an_authentication_code_field(client):
    html = client.get("/login").get_data(as_text=True)
    assert '<label for="f-totp">Authentication code</label>' in html
    assert 'autocomplete="one-time-code"' in html


def test_login_page_without_code_when_enrolled_stays_signed_out(client, enrolled):
    response = sign_in(client)
    assert response.status_code == 200
    assert "The e-mail or password is wrong." in response.get_data(as_text=True)
    assert "authentication code must be right" in response.get_data(as_text=True)
    assert client.get("/staff/").status_code == 302


def test_login_page_with_wrong_code_stays_signed_out(client, enrolled):
    _, secret = enrolled
    assert sign_in(client, totp=wrong_code(secret)).status_code == 200
    assert client.get("/staff/").status_code == 302


def test_login_page_with_current_code_signs_in(client, enrolled):
    _, secret = enrolled
    response = sign_in(client, totp=code(secret))
    assert response.status_code == 302 and response.headers["Location"] == "/staff/"
    assert client.get("/staff/").status_code == 200


def test_login_page_malformed_code_is_a_form_error_by_label(client, enrolled):
    response = sign_in(client, totp="12")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Authentication code: Enter the 6 digits your app shows." in html


def test_totp_secret_is_encrypted_at_rest(ctx, enrolled):
    _, secret = enrolled
    raw = db.session.execute(sa.text("SELECT secret FROM totp_factors")).scalar_one()
    assert secret not in raw and secret.lower() not in raw.lower()
    assert db.session.execute(sa.select(TotpFactor.secret)).scalar_one() == secret


def test_totp_secret_is_rotated_with_the_data_keys(ctx):
    rotated = {m.table: m.fields for m in encrypted_models()}
    assert rotated["totp_factors"] == ("secret",)


def test_totp_secret_and_codes_never_in_audit_details_or_token_responses(client, enrolled):
    user, secret = enrolled
    used = code(secret)
    issued = token(client, totp=used)
    token(client, totp=used)  # a replay, refused
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {issued.json['token']}"})
    assert secret not in issued.get_data(as_text=True) + me.get_data(as_text=True)
    events = db.session.execute(sa.select(AuditEvent)).scalars().all()
    trail = json.dumps([[e.action, e.actor_label, e.details] for e in events])
    assert "auth.totp_enrolled" in trail
    assert secret not in trail and used not in trail
