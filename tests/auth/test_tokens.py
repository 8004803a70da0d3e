"""Bearer tokens: issued for good credentials only, stored hashed, expiring."""

import hashlib
from datetime import timedelta

import sqlalchemy as sa

from lienrx.auth.models import ApiToken
from lienrx.core import clock
from lienrx.extensions import db
from tests import factories


def _user(ctx, role="billing", **fields):
    user = factories.user(role, **fields)
    db.session.commit()
    return user


def test_token_issued_for_valid_credentials_case_insensitive_email(ctx, client):
    user = _user(ctx, email="Pat@Example.test")
    response = client.post("/api/v1/auth/token",
                           json={"email": "PAT@example.TEST", "password": factories.PASSWORD})
    assert response.status_code == 201
    body = response.json
    assert body["token_type"] == "Bearer"
    assert body["user"] == {"id": user.id, "email": "pat@example.test", "name": user.name,
                            "role": "billing", "law_firm_id": None}
    assert body["expires_at"].endswith("+00:00")


def test_token_stored_only_as_its_hash(ctx, client):
    _user(ctx, email="hash@example.test")
    token = client.post("/api/v1/auth/token", json={"email": "hash@example.test",
                                                    "password": factories.PASSWORD}).json["token"]
    stored = db.session.execute(sa.select(ApiToken.token_hash)).scalars().all()
    assert hashlib.sha256(token.encode()).hexdigest() in stored
    assert token not in stored


def test_wrong_password_is_401_unauthenticated(ctx, client):
    _user(ctx, email="pw@example.test")
    response = client.post("/api/v1/auth/token",
                           json={"email": "pw@example.test", "password": "not the password"})
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.json["code"] == "unauthenticated"


def test_unknown_email_is_401_like_a_wrong_password(client):
    response = client.post("/api/v1/auth/token",
                           json={"email": "nobody@example.test", "password": "whatever1"})
    assert response.status_code == 401
    assert response.json["detail"].startswith("The e-mail or password is wrong.")


def test_inactive_user_cannot_get_a_token(ctx, client):
    user = _user(ctx, email="gone@example.test")
    user.active = False
    db.session.commit()
    response = client.post("/api/v1/auth/token",
                           json={"email": "gone@example.test", "password": factories.PASSWORD})
    assert response.status_code == 401


def test_expired_token_is_401(api_as, app):
    billing = api_as("billing")
    assert billing.get("/api/v1/me").status_code == 200
    clock.freeze(clock.utcnow() + factories.TOKEN_TTL + timedelta(seconds=1))
    response = billing.get("/api/v1/me")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_garbage_token_is_401(anonymous, client):
    response = client.get("/api/v1/me", headers={"Authorization": "Bearer not-a-token"})
    assert response.status_code == 401
    assert response.json["code"] == "unauthenticated"


def test_no_credentials_is_401(anonymous):
    assert anonymous.get("/api/v1/me").status_code == 401


def test_me_returns_the_current_user_without_password_hash(api_as):
    pharmacist = api_as("pharmacist", license_number="TN-RPH-777")
    body = pharmacist.get("/api/v1/me").json
    assert body["role"] == "pharmacist"
    assert body["license_number"] == "TN-RPH-777"
    assert "password" not in str(body)


def test_token_requests_need_email_and_password_422(client):
    response = client.post("/api/v1/auth/token", json={"email": "x@example.test"})
    assert response.status_code == 422
    assert response.json["code"] == "validation_failed"
    assert "password" in response.json["errors"]


def test_api_responses_set_no_session_cookie_for_bearer_clients(api_as):
    billing = api_as("billing")
    response = billing.get("/api/v1/me")
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"
