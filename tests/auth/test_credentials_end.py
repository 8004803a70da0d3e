"""Sessions and tokens that end: sign-out, API sign-out, deactivation (API and CLI).

A browser session carries the credential generation it was issued under; a bearer token can be
revoked. A copied cookie or token replayed after the end answers 401 (API) or goes to sign-in.
"""

import pytest
import sqlalchemy as sa

from lienrx.audit.models import AuditEvent
from lienrx.auth.models import ApiToken, User
from lienrx.extensions import db
from tests import factories
from tests.auth.test_login_page import csrf_token, sign_in


@pytest.fixture
def rph(ctx):
    user = factories.user("pharmacist", email="rph@example.test")
    db.session.commit()
    return user


def session_cookie(client):
    cookie = client.get_cookie("session")
    assert cookie is not None, "no session cookie"
    return cookie.value


def replay(app, cookie_value):
    """A fresh client holding nothing but a copy of the raw session cookie."""
    other = app.test_client()
    other.set_cookie("session", cookie_value)
    return other


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def new_token(ctx, user):
    raw = factories.token(db.session.merge(user))
    db.session.commit()
    return raw


# --- browser sign-out ---------------------------------------------------------------------

def test_logout_ends_the_session_a_copied_cookie_replayed_goes_to_sign_in(app, client, rph):
    sign_in(client, "rph@example.test")
    copied = session_cookie(client)
    assert replay(app, copied).get("/staff/").status_code == 200
    html = client.get("/staff/").get_data(as_text=True)
    assert client.post("/logout", data={"csrf_token": csrf_token(html)}).status_code == 302
    stale = replay(app, copied)
    response = stale.get("/staff/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert stale.get("/api/v1/me").status_code == 401


def test_logout_leaves_bearer_tokens_working(app, client, rph, ctx):
    token = new_token(ctx, rph)
    sign_in(client, "rph@example.test")
    html = client.get("/staff/").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_token(html)})
    assert app.test_client().get("/api/v1/me", headers=bearer(token)).status_code == 200


def test_sign_in_again_after_logout_works(client, rph):
    sign_in(client, "rph@example.test")
    html = client.get("/staff/").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_token(html)})
    assert sign_in(client, "rph@example.test").status_code == 302
    assert client.get("/staff/").status_code == 200


def test_sign_in_clears_the_session_no_fixation(client, rph):
    client.get("/login")
    with client.session_transaction() as planted:
        planted["planted_by_someone_else"] = "x"
        planted["_user_id"] = "999:0"
    before = session_cookie(client)
    sign_in(client, "rph@example.test")
    with client.session_transaction() as fresh:
        assert "planted_by_someone_else" not in fresh
        assert fresh["_user_id"] == f"{rph.id}:0"
    assert session_cookie(client) != before


def test_a_session_cookie_without_the_generation_is_refused(app, client, rph):
    with client.session_transaction() as old_style:
        old_style["_user_id"] = str(rph.id)  # as issued before sessions carried a generation
        old_style["_fresh"] = True
    assert client.get("/api/v1/me").status_code == 401


# --- API sign-out -------------------------------------------------------------------------

def test_api_logout_revokes_the_bearer_token_204_then_401(app, rph, ctx):
    token = new_token(ctx, rph)
    client = app.test_client()
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    response = client.post("/api/v1/auth/logout", headers=bearer(token))
    assert response.status_code == 204 and response.data == b""
    again = client.get("/api/v1/me", headers=bearer(token))
    assert again.status_code == 401 and again.json["code"] == "unauthenticated"
    assert client.post("/api/v1/auth/logout", headers=bearer(token)).status_code == 401
    db.session.remove()
    revoked = db.session.execute(sa.select(ApiToken.revoked_at)).scalars().one()
    assert revoked is not None


def test_api_logout_revokes_only_that_token(app, rph, ctx):
    first, second = new_token(ctx, rph), new_token(ctx, rph)
    client = app.test_client()
    assert client.post("/api/v1/auth/logout", headers=bearer(first)).status_code == 204
    assert client.get("/api/v1/me", headers=bearer(first)).status_code == 401
    assert client.get("/api/v1/me", headers=bearer(second)).status_code == 200


def test_api_logout_without_credentials_401(anonymous):
    response = anonymous.post("/api/v1/auth/logout")
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"


def test_api_logout_of_a_cookie_session_ends_it_a_replayed_cookie_gets_401(app, client, rph):
    sign_in(client, "rph@example.test")
    copied = session_cookie(client)
    token = csrf_token(client.get("/staff/").get_data(as_text=True))
    assert client.post("/api/v1/auth/logout").status_code == 400  # CSRF, as for every write
    response = client.post("/api/v1/auth/logout", headers={"X-CSRFToken": token})
    assert response.status_code == 204
    assert client.get("/api/v1/me").status_code == 401
    assert replay(app, copied).get("/api/v1/me").status_code == 401


# --- deactivation -------------------------------------------------------------------------

def test_deactivate_user_ends_live_token_and_browser_session_401(app, api_as, rph, ctx):
    token = new_token(ctx, rph)
    browser = app.test_client()
    sign_in(browser, "rph@example.test")
    assert browser.get("/staff/").status_code == 200
    response = api_as("admin").post(f"/api/v1/users/{rph.id}/deactivate")
    assert response.status_code == 200
    assert response.json["active"] is False and response.json["id"] == rph.id
    assert app.test_client().get("/api/v1/me", headers=bearer(token)).status_code == 401
    assert browser.get("/api/v1/me").status_code == 401
    assert browser.get("/staff/").headers["Location"].startswith("/login")
    refused = app.test_client().post("/api/v1/auth/token", json={
        "email": "rph@example.test", "password": factories.PASSWORD})
    assert refused.status_code == 401


def test_deactivated_credentials_stay_ended_if_the_account_is_reactivated(app, api_as, rph,
                                                                          ctx):
    token = new_token(ctx, rph)
    browser = app.test_client()
    sign_in(browser, "rph@example.test")
    api_as("admin").post(f"/api/v1/users/{rph.id}/deactivate")
    db.session.remove()
    db.session.get(User, rph.id).active = True  # a later reactivation (issue 19's page)
    db.session.commit()
    assert app.test_client().get("/api/v1/me", headers=bearer(token)).status_code == 401
    assert browser.get("/api/v1/me").status_code == 401
    assert sign_in(app.test_client(), "rph@example.test").status_code == 302


def test_deactivate_user_only_admin_403(api_as, rph):
    for role in ("pharmacist", "technician", "billing", "attorney"):
        response = api_as(role).post(f"/api/v1/users/{rph.id}/deactivate")
        assert response.status_code == 403 and response.json["code"] == "forbidden"


def test_deactivate_unknown_user_404(api_as):
    response = api_as("admin").post("/api/v1/users/999999/deactivate")
    assert response.status_code == 404 and response.json["code"] == "not_found"


def test_deactivate_yourself_409_invalid_transition(api_as):
    admin = api_as("admin")
    response = admin.post(f"/api/v1/users/{admin.user_id}/deactivate")
    assert response.status_code == 409 and response.json["code"] == "invalid_transition"
    assert admin.get("/api/v1/me").status_code == 200


def test_deactivating_twice_is_200(api_as, rph):
    admin = api_as("admin")
    assert admin.post(f"/api/v1/users/{rph.id}/deactivate").status_code == 200
    assert admin.post(f"/api/v1/users/{rph.id}/deactivate").status_code == 200


def test_deactivation_is_audited_without_personal_details(api_as, rph, ctx):
    admin = api_as("admin")
    new_token(ctx, rph)
    admin.post(f"/api/v1/users/{rph.id}/deactivate")
    db.session.remove()
    event = db.session.execute(sa.select(AuditEvent).where(
        AuditEvent.action == "user.deactivated")).scalar_one()
    assert (event.actor_user_id, event.entity_id) == (admin.user_id, str(rph.id))
    assert event.details == {"was_active": True, "active": False, "role": "pharmacist",
                             "law_firm_id": None, "tokens_revoked": 1}


def test_cli_users_deactivate_ends_token_and_session(app, runner, rph, ctx):
    token = new_token(ctx, rph)
    browser = app.test_client()
    sign_in(browser, "rph@example.test")
    result = runner.invoke(args=["users", "deactivate", "--email", "RPH@example.test"])
    assert result.exit_code == 0, result.output
    assert "deactivated user" in result.output
    assert app.test_client().get("/api/v1/me", headers=bearer(token)).status_code == 401
    assert browser.get("/api/v1/me").status_code == 401


def test_cli_users_deactivate_unknown_email_exits_2(runner):
    result = runner.invoke(args=["users", "deactivate", "--email", "nobody@example.test"])
    assert result.exit_code == 2
    assert "no user" in result.output


def test_cli_users_deactivate_refuses_the_last_active_admin(runner, ctx):
    only = factories.user("admin", email="only-admin@example.test")
    db.session.commit()
    result = runner.invoke(args=["users", "deactivate", "--email", "only-admin@example.test"])
    assert result.exit_code == 2
    assert "refused: This is the last active admin" in result.output
    db.session.remove()
    assert db.session.get(User, only.id).active


@pytest.mark.postgres_only  # SQLite runs one write transaction at a time: no race to lose
def test_two_admins_deactivating_each_other_at_once_leave_one_active_admin(app, monkeypatch):
    """The last-admin rule holds under a race: the active admins' rows are locked, so the
    second deactivation waits for the first, then sees it is about the last admin."""
    import threading
    import time

    from lienrx.auth import services

    ending = services.end_credentials

    def slow_end(user):
        revoked = ending(user)
        time.sleep(0.5)  # the window in which an unlocked twin would count two admins
        return revoked

    monkeypatch.setattr(services, "end_credentials", slow_end)
    with app.app_context():
        first, second = factories.user("admin"), factories.user("admin")
        pairs = [(factories.token(first), second.id), (factories.token(second), first.id)]
        db.session.commit()
    barrier = threading.Barrier(2)
    answers = []

    def fire(token, target):
        client = app.test_client()
        barrier.wait()
        answers.append(client.post(f"/api/v1/users/{target}/deactivate",
                                   headers={"Authorization": f"Bearer {token}"}))

    threads = [threading.Thread(target=fire, args=pair) for pair in pairs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(a.status_code for a in answers) == [200, 409]
    refused = next(a for a in answers if a.status_code == 409)
    assert refused.json["code"] == "invalid_transition"
    assert "last active admin" in refused.json["detail"]
    with app.app_context():
        active = db.session.execute(sa.select(sa.func.count()).select_from(User).where(
            User.role == "admin", User.active.is_(True))).scalar_one()
    assert active == 1
