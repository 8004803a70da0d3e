"""Accounts and credentials: create users, check passwords, issue and resolve bearer tokens."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

import pyotp
import segno
import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from lienrx.audit import services as audit
from lienrx.auth.models import ApiToken, TotpFactor, User
from lienrx.core import clock
from lienrx.core.actors import Actor
from lienrx.core.errors import Conflict, ValidationFailed
from lienrx.core.security import ATTORNEY
from lienrx.core.unit_of_work import keeping_facts
from lienrx.extensions import db
from lienrx.parties.models import LawFirm

MIN_PASSWORD_LENGTH = 8
# Checked when the e-mail is unknown, so a miss costs as much time as a wrong password.
_DUMMY_HASH = generate_password_hash("lienrx-timing-equaliser")
# One refusal for every failed sign-in, whichever credential was wrong: telling a wrong code
# from a wrong password would confirm the password to whoever guessed it.
SIGN_IN_REFUSED = ("The e-mail or password is wrong. With two-step sign-in turned on, "
                   "the authentication code must be right too.")


def hash_password(password: str) -> str:
    """Hash with salted scrypt (the work factor is configurable: PASSWORD_HASH_METHOD)."""
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def find_by_email(email: str) -> User | None:
    """The user with this e-mail, compared case-insensitively."""
    return db.session.execute(
        sa.select(User).where(User.email == email.strip().lower())
    ).scalar_one_or_none()


def create_user(actor: Actor | None, *, email: str, name: str, role: str, password: str,
                law_firm_id: int | None = None, license_number: str | None = None) -> User:
    """Create an account; attorneys belong to exactly one firm, staff to none."""
    errors: dict[str, list[str]] = {}
    email = email.strip().lower()
    if find_by_email(email) is not None:
        errors["email"] = ["An account with this e-mail already exists."]
    if len(password) < MIN_PASSWORD_LENGTH:
        errors["password"] = [f"Use at least {MIN_PASSWORD_LENGTH} characters."]
    if role == ATTORNEY:
        if law_firm_id is None:
            errors["law_firm_id"] = ["Attorneys belong to a law firm."]
        elif db.session.get(LawFirm, law_firm_id) is None:
            errors["law_firm_id"] = ["No such law firm."]
    elif law_firm_id is not None:
        errors["law_firm_id"] = ["Only attorneys belong to a law firm."]
    if errors:
        raise ValidationFailed(errors)
    user = User(email=email, name=name.strip(), role=role, law_firm_id=law_firm_id,
                license_number=license_number or None, password_hash=hash_password(password))
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "user.created", "user", user.id, {"role": role})
    return user


def authenticate(email: str, password: str, totp: str | None = None) -> User | None:
    """The active user with these credentials, or None; records the attempt.

    A user with a second factor enrolled also needs a current authentication code (``totp``).
    """
    user = find_by_email(email)
    valid = check_password_hash(user.password_hash if user else _DUMMY_HASH, password)
    if user is None or not valid or not user.active:
        audit.record(None, "auth.failed", "user", user.id if user else None)
        return None
    factor = _enrolled_factor(user.id)
    if factor is not None and not _accept_code(factor, totp):
        audit.record(None, "auth.failed", "user", user.id, {"factor": "totp"})
        return None
    return user


def signed_in(user: User) -> None:
    """Record a browser sign-in."""
    audit.record(user, "auth.login", "user", user.id)


def signed_out(user: Actor) -> None:
    """Record a browser sign-out."""
    audit.record(user, "auth.logout", "user", user.id)


def _token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_token(user: User, ttl: timedelta) -> tuple[str, ApiToken]:
    """Issue a bearer token; the raw value is returned once and only its hash is stored."""
    raw = secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, token_hash=_token_hash(raw),
                     expires_at=clock.utcnow() + ttl)
    db.session.add(token)
    db.session.flush()
    audit.record(user, "auth.token_issued", "api_token", token.id)
    return raw, token


def user_for_token(raw: str) -> User | None:
    """The active user holding this unexpired token, or None."""
    token = db.session.execute(
        sa.select(ApiToken).where(ApiToken.token_hash == _token_hash(raw))
        .options(joinedload(ApiToken.user))
    ).scalar_one_or_none()
    if token is None or token.expires_at <= clock.utcnow() or not token.user.active:
        return None
    return token.user


# --- The second factor: a time-based one-time password (RFC 6238) from an authenticator app.

TOTP_ISSUER = "LienRx"
# Codes of the time step before and after the current one are accepted too: a phone's clock
# a little off, or a code typed as it rolled over, still signs in.
TOTP_VALID_WINDOW = 1
WRONG_CODE = "The code is wrong, expired or already used."


@dataclass(frozen=True)
class TotpEnrolment:
    """A pending enrolment as its owner sees it, once: the secret and how to scan it."""

    secret: str
    provisioning_uri: str
    qr_svg_data_uri: str


def _factor(user_id: int, *, for_update: bool = False) -> TotpFactor | None:
    query = sa.select(TotpFactor).where(TotpFactor.user_id == user_id)
    if for_update:
        query = query.with_for_update()
    return db.session.execute(query).scalar_one_or_none()


def _enrolled_factor(user_id: int) -> TotpFactor | None:
    """The user's confirmed second factor, locked: accepting a code consumes its time step."""
    factor = _factor(user_id, for_update=True)
    return factor if factor is not None and factor.confirmed_at is not None else None


def _accept_code(factor: TotpFactor, code: str | None) -> bool:
    """Whether ``code`` is a current code of the factor not used before; if so, use it up.

    The time step of the accepted code is remembered, so neither that code nor an older one
    is accepted again (a code seen over a shoulder or in a log cannot be replayed).
    """
    code = "".join((code or "").split())
    if len(code) != 6 or not code.isdigit():
        return False
    totp = pyotp.TOTP(factor.secret)
    now = totp.timecode(clock.utcnow())
    for step in range(now - TOTP_VALID_WINDOW, now + TOTP_VALID_WINDOW + 1):
        if factor.last_used_step is not None and step <= factor.last_used_step:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            factor.last_used_step = step
            db.session.flush()
            return True
    return False


def _enrolment(user: Actor, secret: str) -> TotpEnrolment:
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=TOTP_ISSUER)
    qr = segno.make(uri, error="m").svg_data_uri(scale=4, border=2)
    return TotpEnrolment(secret=secret, provisioning_uri=uri, qr_svg_data_uri=qr)


def second_factor_enrolled(actor: Actor) -> bool:
    """Whether the actor signs in (and signs documents) with an authentication code."""
    factor = _factor(actor.id)
    return factor is not None and factor.confirmed_at is not None


def pending_totp_enrolment(actor: Actor) -> TotpEnrolment | None:
    """The actor's enrolment waiting for its first code (its secret shown to its owner only);
    None once enrolled: a confirmed secret is never shown again."""
    factor = _factor(actor.id)
    if factor is None or factor.confirmed_at is not None:
        return None
    return _enrolment(actor, factor.secret)


def start_totp_enrolment(actor: Actor) -> TotpEnrolment:
    """Make a new secret for the actor, pending until a code made from it is entered."""
    factor = _factor(actor.id, for_update=True)
    if factor is not None and factor.confirmed_at is not None:
        raise Conflict("totp_already_enrolled",
                       "Two-step sign-in is already on; turn it off first to change the app.")
    secret = pyotp.random_base32()
    if factor is None:
        factor = TotpFactor(user_id=actor.id, secret=secret)
        db.session.add(factor)
    else:  # a new start replaces a secret that was never confirmed
        factor.secret, factor.created_at, factor.last_used_step = secret, clock.utcnow(), None
    db.session.flush()
    audit.record(actor, "auth.totp_enrolment_started", "user", actor.id)
    return _enrolment(actor, secret)


def confirm_totp_enrolment(actor: Actor, *, totp: str) -> None:
    """Turn two-step sign-in on once a code from the pending secret proves the app has it."""
    factor = _factor(actor.id, for_update=True)
    if factor is None or factor.confirmed_at is not None:
        raise Conflict("totp_not_pending", "There is no two-step sign-in set-up to confirm.")
    if not _accept_code(factor, totp):
        audit.record(actor, "auth.totp_confirmation_failed", "user", actor.id)
        raise keeping_facts(ValidationFailed({"totp": [WRONG_CODE]}))
    factor.confirmed_at = clock.utcnow()
    db.session.flush()
    audit.record(actor, "auth.totp_enrolled", "user", actor.id)


def _identity_errors(actor: Actor, password: str,
                     totp: str | None) -> tuple[dict[str, list[str]], TotpFactor | None]:
    user = db.session.get(User, actor.id)
    if user is None or not check_password_hash(user.password_hash, password):
        return {"password": ["The password is wrong."]}, None
    factor = _enrolled_factor(actor.id)
    if factor is not None and not _accept_code(factor, totp):
        return {"totp": ["Enter a current code from your authenticator app." if not totp
                         else WRONG_CODE]}, factor
    return {}, factor


def disable_totp(actor: Actor, *, password: str, totp: str | None = None) -> None:
    """Turn two-step sign-in off: the password and a current code say the owner asks."""
    if not second_factor_enrolled(actor):
        raise Conflict("totp_not_enrolled", "Two-step sign-in is not on.")
    errors, factor = _identity_errors(actor, password, totp)
    if errors or factor is None:
        audit.record(actor, "auth.totp_disable_failed", "user", actor.id,
                     {"fields": sorted(errors)})
        raise keeping_facts(ValidationFailed(errors))
    db.session.delete(factor)
    db.session.flush()
    audit.record(actor, "auth.totp_disabled", "user", actor.id)


def reauthenticate(actor: Actor, *, password: str, totp: str | None = None,
                   purpose: str, context: dict[str, int] | None = None) -> None:
    """Make the signed-in person prove again who they are (password, and the code when
    enrolled) before an act that carries their name, such as signing a POGOS.

    A failure is audited (with ``purpose`` and the ids in ``context``, never what was typed)
    and the audit record survives the refusal.
    """
    errors, _ = _identity_errors(actor, password, totp)
    details: dict[str, object] = {"purpose": purpose, **(context or {})}
    if errors:
        audit.record(actor, "auth.reauthentication_failed", "user", actor.id,
                     {**details, "fields": sorted(errors)})
        raise keeping_facts(ValidationFailed(errors))
    audit.record(actor, "auth.reauthenticated", "user", actor.id, details)
