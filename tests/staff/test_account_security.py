"""The account security page: set up two-step sign-in, confirm it with a code, turn it off."""

import re

import sqlalchemy as sa

from lienrx.audit.models import AuditEvent
from lienrx.extensions import db
from tests import factories
from tests.auth.totp_helpers import code, freeze_mid_step, wrong_code
from tests.staff.conftest import text
from tests.staff.test_intake_pages import error_of

PAGE = "/staff/account/security"


def started(client):
    """Start the set-up; the secret the page shows."""
    assert client.post(f"{PAGE}/totp").status_code == 302
    html = client.get(PAGE).get_data(as_text=True)
    return re.search(r'id="totp-secret">([A-Z2-7]+)<', html).group(1)


def test_account_security_page_is_linked_and_says_two_step_sign_in_is_off(staff):
    desk = staff("billing")
    assert 'href="/staff/account/security"' in desk.get("/staff/").get_data(as_text=True)
    assert "Off. You sign in with your password only." in text(desk.get(PAGE))


def test_totp_enrolment_shows_secret_uri_and_qr_until_confirmed(staff, app):
    freeze_mid_step()
    rph = staff("pharmacist", email="rph.qr@example.test")
    secret = started(rph)
    html = rph.get(PAGE).get_data(as_text=True)
    assert "Being set up." in text(rph.get(PAGE))
    assert (f"otpauth://totp/LienRx:rph.qr%40example.test?secret={secret}&amp;issuer=LienRx"
            in html)
    assert 'src="data:image/svg+xml' in html  # the QR code, drawn on the server
    # not on yet: the password alone still signs in
    assert app.test_client().post("/api/v1/auth/token", json={
        "email": "rph.qr@example.test", "password": factories.PASSWORD}).status_code == 201


def test_totp_enrolment_needs_a_valid_code_form_error_by_label(staff, app):
    freeze_mid_step()
    rph = staff("pharmacist")
    secret = started(rph)
    r = rph.post(f"{PAGE}/totp/confirm", data={"totp": wrong_code(secret)})
    assert r.status_code == 422
    assert error_of(r, "totp") == "The code is wrong, expired or already used."
    assert "Authentication code: The code is wrong" in text(r)
    r = rph.post(f"{PAGE}/totp/confirm", data={})
    assert r.status_code == 422 and "Authentication code:" in text(r)
    assert "Being set up." in text(rph.get(PAGE))
    with app.app_context():  # the failed confirmation is on the record
        actions = db.session.execute(sa.select(AuditEvent.action)).scalars().all()
    assert "auth.totp_confirmation_failed" in actions and "auth.totp_enrolled" not in actions


def test_totp_enrolment_confirmed_by_a_current_code_and_secret_never_shown_again(staff, app):
    freeze_mid_step()
    rph = staff("pharmacist", email="rph.on@example.test")
    secret = started(rph)
    r = rph.post(f"{PAGE}/totp/confirm", data={"totp": code(secret)})
    assert r.status_code == 302
    page = rph.get(PAGE)
    assert "On. Signing in, and signing a POGOS, ask for your password" in text(page)
    assert secret not in page.get_data(as_text=True)
    assert "otpauth://" not in page.get_data(as_text=True)
    r = rph.post(f"{PAGE}/totp")  # set-up again: refused, nothing new shown
    assert r.status_code == 409 and "Two-step sign-in is already on" in text(r)
    assert secret not in r.get_data(as_text=True)
    assert app.test_client().post("/api/v1/auth/token", json={
        "email": "rph.on@example.test", "password": factories.PASSWORD}).status_code == 401


def test_totp_starting_over_replaces_the_unconfirmed_secret(staff):
    freeze_mid_step()
    rph = staff("technician")
    first = started(rph)
    second = started(rph)
    assert first != second
    r = rph.post(f"{PAGE}/totp/confirm", data={"totp": code(first)})
    assert r.status_code == 422  # the first secret is gone


def test_disabling_totp_needs_password_and_code(staff, app):
    freeze_mid_step()
    rph = staff("pharmacist", email="rph.off@example.test")
    secret = started(rph)
    confirmed = rph.post(f"{PAGE}/totp/confirm", data={"totp": code(secret, steps=-1)})
    assert confirmed.status_code == 302
    r = rph.post(f"{PAGE}/totp/disable", data={"password": "not my password",
                                               "totp": code(secret)})
    assert r.status_code == 422 and error_of(r, "password") == "The password is wrong."
    assert "Your password: The password is wrong." in text(r)
    r = rph.post(f"{PAGE}/totp/disable", data={"password": factories.PASSWORD})
    assert r.status_code == 422 and error_of(r, "totp")
    assert "On." in text(rph.get(PAGE))
    r = rph.post(f"{PAGE}/totp/disable", data={"password": factories.PASSWORD,
                                               "totp": code(secret)})
    assert r.status_code == 302
    assert "Off." in text(rph.get(PAGE))
    assert app.test_client().post("/api/v1/auth/token", json={
        "email": "rph.off@example.test", "password": factories.PASSWORD}).status_code == 201
    with app.app_context():
        events = db.session.execute(sa.select(AuditEvent).where(
            AuditEvent.action.like("auth.totp_disable%"))
            .order_by(AuditEvent.id)).scalars().all()
    assert [(e.action, e.details) for e in events] == [
        ("auth.totp_disable_failed", {"fields": ["password"]}),
        ("auth.totp_disable_failed", {"fields": ["totp"]}),
        ("auth.totp_disabled", {})]


def test_account_security_page_is_for_staff_only(staff):
    esq = staff("attorney")
    assert esq.get(PAGE).status_code == 403
    assert esq.post(f"{PAGE}/totp").status_code == 403


def test_wrong_passwords_to_turn_off_totp_are_rate_limited_like_sign_ins(staff):
    freeze_mid_step()
    rph = staff("billing")
    secret = started(rph)
    assert rph.post(f"{PAGE}/totp/confirm", data={"totp": code(secret)}).status_code == 302
    for _ in range(10):
        r = rph.post(f"{PAGE}/totp/disable", data={"password": "not my password"})
        assert r.status_code == 422
    r = rph.post(f"{PAGE}/totp/disable", data={"password": factories.PASSWORD,
                                               "totp": code(secret, steps=1)})
    assert r.status_code == 429
    assert "On." in text(rph.get(PAGE))
