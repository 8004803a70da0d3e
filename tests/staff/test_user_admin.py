"""User administration pages: admins list, create, re-role, move, reset and deactivate users.

Every change ends the user's sessions and tokens and is audited with old and new role, firm
and active flag, never a password.
"""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from lienrx.audit.models import AuditEvent
from lienrx.auth import services as auth
from lienrx.auth.models import User
from lienrx.core.errors import Conflict
from lienrx.extensions import db
from tests import factories
from tests.staff.conftest import text

NEW_PASSWORD = "violet harbour lantern 42"


def _user_id(app, email):
    with app.app_context():
        return db.session.execute(sa.select(User.id).where(User.email == email)).scalar_one()


def _user(app, user_id):
    with app.app_context():
        user = db.session.get(User, user_id)
        db.session.expunge(user)
        return user


def _firm(app, name):
    with app.app_context():
        firm = factories.law_firm(name)
        db.session.commit()
        return firm.id


def _events(app, action):
    with app.app_context():
        return [e.details for e in db.session.execute(
            sa.select(AuditEvent).where(AuditEvent.action == action)
            .order_by(AuditEvent.id)).scalars()]


def _user_pages(app):
    """Every rule of the user administration, with a user id filled in."""
    return [(rule.rule.replace("<int:user_id>", "1"), sorted(rule.methods - {"HEAD", "OPTIONS"}))
            for rule in app.url_map.iter_rules() if rule.rule.startswith("/staff/users")]


@pytest.mark.parametrize("role", ["pharmacist", "technician", "billing", "attorney"])
def test_non_admins_get_403_on_every_user_page(app, staff, role):
    client = staff(role)
    pages = _user_pages(app)
    assert len(pages) >= 5
    for path, methods in pages:
        for method in methods:
            response = client.get(path) if method == "GET" else client.post(path, data={})
            assert response.status_code == 403, (role, method, path)


def test_only_admins_see_users_in_the_staff_nav(staff):
    assert "Users" in text(staff("admin").get("/staff/"))
    assert "Users" not in text(staff("pharmacist").get("/staff/"))


def test_user_list_shows_role_firm_state_and_last_sign_in(app, staff):
    admin = staff("admin")
    firm_id = _firm(app, "Hollis & Marsh LLP")
    with app.app_context():
        factories.user("attorney", firm_id=firm_id, name="Ada Counsel")
        gone = factories.user("billing", name="Bert Gone")
        auth.deactivate_user(None, gone.id)
        db.session.commit()
    page = text(admin.get("/staff/users"))
    assert "Ada Counsel" in page and "Attorney Hollis & Marsh LLP active never" in page
    assert "Bert Gone" in page and "Billing deactivated never" in page
    me = _user(app, admin.user_id)
    assert me.last_sign_in_at is not None  # the admin signed in through the form


def test_user_list_searches_by_name_or_email_and_filters_by_role(app, staff):
    admin = staff("admin")
    with app.app_context():
        factories.user("technician", name="Tess Mixer", email="tess@pharmacy.test")
        factories.user("billing", name="Bill Ledger", email="ledger@pharmacy.test")
        db.session.commit()
    assert "Tess Mixer" in text(admin.get("/staff/users?q=mixer"))
    assert "Bill Ledger" not in text(admin.get("/staff/users?q=mixer"))
    assert "Bill Ledger" in text(admin.get("/staff/users?q=LEDGER@"))
    by_role = text(admin.get("/staff/users?role=technician"))
    assert "Tess Mixer" in by_role and "Bill Ledger" not in by_role
    assert admin.get("/staff/users?role=wizard").status_code == 404


def test_user_list_pages_like_other_staff_lists(app, staff, monkeypatch):
    from lienrx.staff import users
    monkeypatch.setattr(users, "PAGE_SIZE", 2)
    admin = staff("admin")
    with app.app_context():
        for i in range(3):
            factories.user("technician", name=f"Tech {i}")
        db.session.commit()
    first = text(admin.get("/staff/users?role=technician"))
    assert "Showing 1–2 of 3 users" in first and "Next" in first
    assert "Showing 3–3 of 3 users" in text(admin.get("/staff/users?role=technician&page=2"))


def test_admin_creates_an_attorney_of_a_firm(app, staff):
    admin = staff("admin")
    firm_id = _firm(app, "Kline Vega PC")
    response = admin.post("/staff/users/new", data={
        "name": "Nora Vega", "email": "Nora@Kline.test", "role": "attorney",
        "law_firm_id": str(firm_id), "password": NEW_PASSWORD})
    assert response.status_code == 302
    created = _user(app, _user_id(app, "nora@kline.test"))
    assert (created.role, created.law_firm_id, created.active) == ("attorney", firm_id, True)
    assert "Kline Vega PC" in text(admin.get(response.headers["Location"]))


def test_attorney_requires_a_law_firm(staff):
    response = staff("admin").post("/staff/users/new", data={
        "name": "No Firm", "email": "nofirm@x.test", "role": "attorney",
        "password": NEW_PASSWORD})
    assert response.status_code == 422
    assert "Law firm: Attorneys belong to a law firm." in text(response)


def test_staff_roles_are_refused_a_law_firm(app, staff):
    firm_id = _firm(app, "Some Firm LLP")
    response = staff("admin").post("/staff/users/new", data={
        "name": "Tech", "email": "tech@x.test", "role": "technician",
        "law_firm_id": str(firm_id), "password": NEW_PASSWORD})
    assert response.status_code == 422
    assert "Law firm: Only attorneys belong to a law firm." in text(response)


@pytest.mark.parametrize(("password", "message"), [
    ("short one", "Use at least 12 characters."),
    ("password1234", "This is a well-known password; choose another."),
    ("xx-marguerite-xx", "The password may not contain the e-mail's name part."),
])
def test_initial_password_follows_the_password_rules(staff, password, message):
    response = staff("admin").post("/staff/users/new", data={
        "name": "Marguerite", "email": "marguerite@x.test", "role": "billing",
        "password": password})
    assert response.status_code == 422
    assert f"Password: {message}" in text(response)
    assert password not in response.get_data(as_text=True)  # never shown back


def test_role_change_ends_sessions_and_tokens(app, staff, client):
    admin, worker = staff("admin"), staff("technician")
    with app.app_context():
        token = factories.token(db.session.get(User, worker.user_id))
        db.session.commit()
    assert worker.get("/staff/").status_code == 200
    response = admin.post(f"/staff/users/{worker.user_id}/role", data={"role-role": "billing"})
    assert response.status_code == 302
    assert "now Billing" in text(admin.get(response.headers["Location"]))
    assert _user(app, worker.user_id).role == "billing"
    assert worker.get("/staff/").status_code == 302  # back to sign-in
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}
                      ).status_code == 401


def test_moving_an_attorney_to_another_firm_ends_the_old_firms_access(app, staff, client):
    admin = staff("admin")
    old_id, new_id = _firm(app, "Old Firm LLP"), _firm(app, "New Firm LLP")
    with app.app_context():
        counsel = factories.user("attorney", firm_id=old_id)
        case_id = factories.case(db.session.get(factories.LawFirm, old_id)).id
        token = factories.token(counsel)
        db.session.commit()
        counsel_id = counsel.id
    bearer = {"Authorization": f"Bearer {token}"}
    assert client.get(f"/api/v1/cases/{case_id}", headers=bearer).status_code == 200
    response = admin.post(f"/staff/users/{counsel_id}/role",
                          data={"role-role": "attorney", "role-law_firm_id": str(new_id)})
    assert response.status_code == 302
    assert client.get(f"/api/v1/cases/{case_id}", headers=bearer).status_code == 401
    with app.app_context():
        fresh = factories.token(db.session.get(User, counsel_id))
        db.session.commit()
    assert client.get(f"/api/v1/cases/{case_id}",
                      headers={"Authorization": f"Bearer {fresh}"}).status_code == 404


def test_role_change_to_attorney_requires_a_firm(app, staff):
    admin, worker = staff("admin"), staff("billing")
    response = admin.post(f"/staff/users/{worker.user_id}/role", data={"role-role": "attorney"})
    assert response.status_code == 422
    assert "Law firm: Attorneys belong to a law firm." in text(response)
    assert _user(app, worker.user_id).role == "billing"


def test_last_active_admin_keeps_the_admin_role(app, staff):
    admin = staff("admin")
    response = admin.post(f"/staff/users/{admin.user_id}/role", data={"role-role": "billing"})
    assert response.status_code == 422
    assert "Role: This is the last active admin" in text(response)
    assert _user(app, admin.user_id).role == "admin"


def test_an_admin_may_step_down_while_another_admin_remains(app, staff):
    admin = staff("admin")
    staff("admin")
    response = admin.post(f"/staff/users/{admin.user_id}/role",
                          data={"role-role": "pharmacist"})
    assert response.status_code == 302
    assert _user(app, admin.user_id).role == "pharmacist"
    assert admin.get("/staff/users").status_code == 302  # signed out: sign in again


def test_admin_cannot_deactivate_themselves(app, staff):
    admin = staff("admin")
    staff("admin")
    assert "You cannot deactivate your own account" in text(
        admin.get(f"/staff/users/{admin.user_id}/deactivate"))
    response = admin.post(f"/staff/users/{admin.user_id}/deactivate")
    assert response.status_code == 409
    assert "You cannot deactivate your own account." in text(response)
    assert _user(app, admin.user_id).active


def test_last_active_admin_cannot_be_deactivated(app):
    with app.app_context():
        only = factories.user("admin")
        db.session.commit()
        with pytest.raises(Conflict, match="last active admin"):
            auth.deactivate_user(None, only.id)
        db.session.rollback()


def test_deactivation_asks_first_showing_what_happens(app, staff):
    admin, worker = staff("admin"), staff("pharmacist")
    confirm = text(admin.get(f"/staff/users/{worker.user_id}/deactivate"))
    assert "can no longer sign in" in confirm
    assert "Every browser session and API token of theirs stops working." in confirm
    assert _user(app, worker.user_id).active  # asking changed nothing
    response = admin.post(f"/staff/users/{worker.user_id}/deactivate")
    assert response.status_code == 302
    assert "is deactivated" in text(admin.get(response.headers["Location"]))
    assert not _user(app, worker.user_id).active
    assert worker.get("/staff/").status_code == 302


def test_password_reset_ends_sessions_and_the_new_password_signs_in(app, staff, client):
    admin, worker = staff("admin"), staff("billing")
    email = _user(app, worker.user_id).email
    response = admin.post(f"/staff/users/{worker.user_id}/password",
                          data={"pw-password": NEW_PASSWORD})
    assert response.status_code == 302
    assert worker.get("/staff/").status_code == 302
    old = client.post("/api/v1/auth/token", json={"email": email,
                                                  "password": factories.PASSWORD})
    assert old.status_code == 401
    new = client.post("/api/v1/auth/token", json={"email": email, "password": NEW_PASSWORD})
    assert new.status_code == 201


def test_password_reset_follows_the_password_rules(app, staff):
    admin, worker = staff("admin"), staff("billing")
    local = _user(app, worker.user_id).email.split("@")[0]
    response = admin.post(f"/staff/users/{worker.user_id}/password",
                          data={"pw-password": f"my {local} secret!"})
    assert response.status_code == 422
    assert "New password: The password may not contain the e-mail's name part." in text(
        response)
    assert worker.get("/staff/").status_code == 200  # nothing changed


def test_audit_details_hold_old_and_new_values_and_no_password(app, staff):
    admin = staff("admin")
    firm_id = _firm(app, "Audit Firm LLP")
    admin.post("/staff/users/new", data={"name": "Aud Itor", "email": "aud@x.test",
                                         "role": "billing", "password": NEW_PASSWORD})
    user_id = _user_id(app, "aud@x.test")
    admin.post(f"/staff/users/{user_id}/role",
               data={"role-role": "attorney", "role-law_firm_id": str(firm_id)})
    admin.post(f"/staff/users/{user_id}/password", data={"pw-password": NEW_PASSWORD + "!"})
    admin.post(f"/staff/users/{user_id}/deactivate")
    created = _events(app, "user.created")[-1]
    changed = _events(app, "user.role_changed")[-1]
    reset = _events(app, "user.password_reset")[-1]
    gone = _events(app, "user.deactivated")[-1]
    assert created == {"role": "billing", "law_firm_id": None, "active": True}
    assert changed["from"] == {"role": "billing", "law_firm_id": None, "active": True}
    assert changed["to"] == {"role": "attorney", "law_firm_id": firm_id, "active": True}
    assert gone["active"] is False and gone["was_active"] is True
    for details in (created, changed, reset, gone):
        dumped = json.dumps(details)
        assert NEW_PASSWORD not in dumped and "password" not in dumped and "scrypt" not in dumped


def test_last_sign_in_is_recorded_on_token_issue(app, client):
    with app.app_context():
        user = factories.user("billing", email="tok@x.test")
        db.session.commit()
        assert user.last_sign_in_at is None
    client.post("/api/v1/auth/token", json={"email": "tok@x.test",
                                            "password": factories.PASSWORD})
    assert _user(app, _user_id(app, "tok@x.test")).last_sign_in_at is not None
