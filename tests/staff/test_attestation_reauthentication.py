"""Signing a POGOS on the staff page asks the pharmacist to prove again who they are: the
password, and the authentication code when two-step sign-in is on."""

import sqlalchemy as sa

from lienrx.attestations.models import Attestation
from lienrx.audit.models import AuditEvent
from lienrx.auth import services as auth
from lienrx.auth.models import User
from lienrx.extensions import db
from tests import factories
from tests.auth.totp_helpers import code, enrol, freeze_mid_step, wrong_code
from tests.staff.conftest import text
from tests.staff.test_intake_pages import error_of

NARRATIVE = "Ketamine cream treats the CRPS allodynia."
SIGNING = {"confirmed": "yes", "narrative": NARRATIVE}  # the confirming step


def signed_versions(app):
    with app.app_context():
        return db.session.execute(sa.select(sa.func.count(Attestation.id))).scalar_one()


def audit_trail(app, action):
    with app.app_context():
        return [(e.actor_user_id, e.details) for e in db.session.execute(
            sa.select(AuditEvent).where(AuditEvent.action == action)).scalars()]


def test_sign_form_asks_for_the_password(staff, world):
    rph = staff("pharmacist")
    path = f"/staff/cases/{world.case_id}/attestation"
    assert 'name="password"' not in rph.get(path).get_data(as_text=True)
    html = rph.post(path, data={"narrative": NARRATIVE}).get_data(as_text=True)
    assert '<label for="f-password">Your password' in html  # asked on the confirming step
    assert 'name="totp"' not in html  # no code asked of a pharmacist without two-step sign-in


def test_signing_without_the_password_signs_nothing(staff, world, app):
    rph = staff("pharmacist")
    r = rph.post(f"/staff/cases/{world.case_id}/attestation", data=SIGNING)
    assert r.status_code == 422
    assert "Your password: This field is required." in text(r)
    assert NARRATIVE in r.get_data(as_text=True)  # the narrative typed is kept
    assert signed_versions(app) == 0


def test_signing_with_a_wrong_password_signs_nothing_and_is_audited(staff, world, app):
    rph = staff("pharmacist")
    r = rph.post(f"/staff/cases/{world.case_id}/attestation",
                 data={**SIGNING, "password": "not my password"})
    assert r.status_code == 422
    assert error_of(r, "password") == "The password is wrong."
    assert "not my password" not in r.get_data(as_text=True)
    assert signed_versions(app) == 0
    assert "Not signed yet." in text(rph.get(f"/staff/cases/{world.case_id}/attestation"))
    assert audit_trail(app, "auth.reauthentication_failed") == [
        (rph.user_id, {"purpose": "attestation.sign", "case_id": world.case_id,
                       "fields": ["password"]})]


def test_signing_with_the_right_password_signs(staff, world, app):
    rph = staff("pharmacist")
    r = rph.post(f"/staff/cases/{world.case_id}/attestation",
                 data={**SIGNING, "password": factories.PASSWORD})
    assert r.status_code == 302
    assert signed_versions(app) == 1
    assert "Version 1" in text(rph.get(f"/staff/cases/{world.case_id}/attestation"))
    assert audit_trail(app, "auth.reauthenticated") == [
        (rph.user_id, {"purpose": "attestation.sign", "case_id": world.case_id})]


def enrolled_pharmacist(staff, app):
    freeze_mid_step()
    rph = staff("pharmacist")
    with app.app_context():
        secret = enrol(db.session.get(User, rph.user_id))
        db.session.commit()
    return rph, secret


def test_signing_needs_the_code_when_two_step_sign_in_is_on(staff, world, app):
    rph, secret = enrolled_pharmacist(staff, app)
    path = f"/staff/cases/{world.case_id}/attestation"
    assert '<label for="f-totp">Authentication code' in rph.post(
        path, data={"narrative": NARRATIVE}).get_data(as_text=True)
    r = rph.post(path, data={**SIGNING, "password": factories.PASSWORD})
    assert r.status_code == 422
    assert error_of(r, "totp") == "Enter a current code from your authenticator app."
    r = rph.post(path, data={**SIGNING, "password": factories.PASSWORD,
                             "totp": wrong_code(secret)})
    assert r.status_code == 422 and "Authentication code: The code is wrong" in text(r)
    assert signed_versions(app) == 0
    assert [d["fields"] for _, d in audit_trail(app, "auth.reauthentication_failed")] == [
        ["totp"], ["totp"]]
    r = rph.post(path, data={**SIGNING, "password": factories.PASSWORD,
                             "totp": code(secret)})
    assert r.status_code == 302
    assert signed_versions(app) == 1


def test_a_code_used_to_sign_cannot_sign_again(staff, world, app):
    rph, secret = enrolled_pharmacist(staff, app)
    path = f"/staff/cases/{world.case_id}/attestation"
    used = code(secret)
    data = {**SIGNING, "password": factories.PASSWORD, "totp": used}
    assert rph.post(path, data=data).status_code == 302
    assert rph.post(path, data=data).status_code == 422
    assert signed_versions(app) == 1


def test_api_signing_takes_no_extra_field_the_token_is_the_credential(api_as, world, app):
    rph = api_as("pharmacist")
    with app.app_context():
        freeze_mid_step()
        enrol(db.session.get(User, rph.user_id))  # enrolled after the token was issued
        db.session.commit()
        assert auth.second_factor_enrolled(db.session.get(User, rph.user_id))
    response = rph.post(f"/api/v1/cases/{world.case_id}/attestations", json={})
    assert response.status_code == 201


def test_wrong_signing_passwords_are_rate_limited_like_sign_ins(staff, world, app):
    rph = staff("pharmacist")
    path = f"/staff/cases/{world.case_id}/attestation"
    wrong = {**SIGNING, "password": "not my password"}
    for _ in range(10):
        assert rph.post(path, data=wrong).status_code == 422
    right = {**SIGNING, "password": factories.PASSWORD}
    assert rph.post(path, data=right).status_code == 429
    assert signed_versions(app) == 0


def test_successful_signing_is_not_counted_by_the_rate_limit(staff, world, app):
    rph = staff("pharmacist")
    path = f"/staff/cases/{world.case_id}/attestation"
    for _ in range(11):
        assert rph.post(path, data={"confirmed": "yes", "narrative": NARRATIVE,
                                    "password": factories.PASSWORD}).status_code == 302
    assert signed_versions(app) == 11
