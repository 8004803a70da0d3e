"""The browser sign-in page: CSRF, safe redirects, idle timeout, rate limiting."""

import re
from datetime import timedelta

import pytest

from lienrx.core import clock
from lienrx.extensions import db
from tests import factories


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def sign_in(client, email, password=factories.PASSWORD, next_url=""):
    page = client.get("/login")
    return client.post("/login", data={"email": email, "password": password,
                                       "csrf_token": csrf_token(page.get_data(as_text=True)),
                                       "next": next_url})


@pytest.fixture
def staff_user(ctx):
    user = factories.user("pharmacist", email="rph@example.test")
    db.session.commit()
    return user


@pytest.fixture
def attorney_user(ctx):
    user = factories.user("attorney", email="esq@example.test")
    db.session.commit()
    return user


def test_login_page_has_labelled_fields_and_csrf_token(client):
    html = client.get("/login").get_data(as_text=True)
    assert '<label for="f-email">' in html and '<label for="f-password">' in html
    csrf_token(html)


def test_staff_land_on_staff_page(client, staff_user):
    response = sign_in(client, "rph@example.test")
    assert response.status_code == 302
    assert response.headers["Location"] == "/staff/"
    assert client.get("/staff/").status_code == 200


def test_attorneys_land_on_portal(client, attorney_user):
    response = sign_in(client, "esq@example.test")
    assert response.headers["Location"] == "/portal/"


def test_safe_next_redirect_is_followed(client, staff_user):
    response = sign_in(client, "rph@example.test", next_url="/api/v1/docs")
    assert response.headers["Location"] == "/api/v1/docs"


@pytest.mark.parametrize("target", ["https://evil.test/", "//evil.test/x", "/\\evil.test",
                                    "javascript:alert(1)"])
def test_unsafe_next_redirect_is_ignored(client, staff_user, target):
    response = sign_in(client, "rph@example.test", next_url=target)
    assert response.headers["Location"] == "/staff/"


def test_login_form_without_csrf_token_is_refused(client, staff_user):
    response = client.post("/login", data={"email": "rph@example.test",
                                           "password": factories.PASSWORD})
    assert response.status_code == 400
    assert client.get("/staff/").status_code == 302  # still signed out


def test_wrong_password_shows_error_and_stays_signed_out(client, staff_user):
    response = sign_in(client, "rph@example.test", password="wrong password")
    assert response.status_code == 200
    assert "The e-mail or password is wrong." in response.get_data(as_text=True)
    assert client.get("/staff/").headers["Location"].startswith("/login")


def test_logout_requires_post_with_csrf(client, staff_user):
    sign_in(client, "rph@example.test")
    assert client.post("/logout").status_code == 400
    html = client.get("/staff/").get_data(as_text=True)
    response = client.post("/logout", data={"csrf_token": csrf_token(html)})
    assert response.status_code == 302
    assert client.get("/staff/").status_code == 302


def test_idle_timeout_signs_the_user_out(client, staff_user, app):
    sign_in(client, "rph@example.test")
    assert client.get("/staff/").status_code == 200
    clock.freeze(clock.utcnow() + timedelta(minutes=app.config["IDLE_TIMEOUT_MINUTES"] + 1))
    response = client.get("/staff/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    assert "inactivity" in client.get("/login").get_data(as_text=True)


def test_activity_within_the_timeout_keeps_the_session(client, staff_user, app):
    sign_in(client, "rph@example.test")
    for _ in range(3):
        clock.freeze(clock.utcnow() + timedelta(minutes=app.config["IDLE_TIMEOUT_MINUTES"] - 1))
        assert client.get("/staff/").status_code == 200


def test_attorney_cannot_open_staff_pages_403(client, attorney_user):
    sign_in(client, "esq@example.test")
    assert client.get("/staff/").status_code == 403


def test_session_cookie_is_httponly_and_samesite_lax(client, staff_user):
    response = sign_in(client, "rph@example.test")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_failed_logins_are_rate_limited_429(client, staff_user):
    # a different account each time: the per-address limit, not the per-account one
    for i in range(10):
        assert sign_in(client, f"guess{i}@example.test", password="wrong").status_code == 200
    assert sign_in(client, "rph@example.test", password="wrong password").status_code == 429


def test_token_endpoint_failures_are_rate_limited_as_problem_json(client, staff_user):
    for i in range(10):
        body = {"email": f"guess{i}@example.test", "password": "wrong password"}
        assert client.post("/api/v1/auth/token", json=body).status_code == 401
    response = client.post("/api/v1/auth/token",
                           json={"email": "rph@example.test", "password": "wrong password"})
    assert response.status_code == 429
    assert response.mimetype == "application/problem+json"
    assert response.json["code"] == "rate_limited"


def test_successful_logins_are_not_rate_limited(client, staff_user):
    body = {"email": "rph@example.test", "password": factories.PASSWORD}
    for _ in range(15):
        assert client.post("/api/v1/auth/token", json=body).status_code == 201


def test_cookie_session_api_writes_need_csrf(client, staff_user, ctx):
    sign_in(client, "rph@example.test")
    body = {"first_name": "A", "last_name": "B", "date_of_birth": "1980-01-01"}
    refused = client.post("/api/v1/patients", json=body)
    assert refused.status_code == 400
    assert refused.mimetype == "application/problem+json"
    token = csrf_token(client.get("/staff/").get_data(as_text=True))
    accepted = client.post("/api/v1/patients", json=body, headers={"X-CSRFToken": token})
    assert accepted.status_code == 201


def test_login_errors_come_through_the_shared_form_path(client, staff_user):
    page = client.get("/login").get_data(as_text=True)
    response = client.post("/login", data={"email": "  ", "password": "",
                                           "csrf_token": csrf_token(page)})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'data-form-errors' in html and "Please correct 2 errors." in html
    assert '<a href="#f-email">E-mail: This field is required.</a>' in html
    assert '<a href="#f-password">Password: This field is required.</a>' in html
    assert 'id="f-email-error"' in html and 'id="f-password-error"' in html


def test_a_wrong_password_is_shown_in_the_form_summary_and_not_echoed(client, staff_user):
    response = sign_in(client, "rph@example.test", password="wrong password")
    html = response.get_data(as_text=True)
    summary = html[html.index("data-form-errors"):]
    assert summary.index("The e-mail or password is wrong.") < summary.index("</div>")
    assert 'value="rph@example.test"' in html and "wrong password" not in html
