"""Accounts and credentials: create users, check passwords, issue, resolve and end credentials.

Credentials end at once: a browser session carries its user's ``credential_generation`` and
stops working when the generation moves on (sign-out, deactivation); a bearer token stops
working when it is revoked (API sign-out, deactivation).
"""

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
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from lienrx.audit import services as audit
from lienrx.auth import passwords, rules
from lienrx.auth.models import ApiToken, TotpFactor, User
from lienrx.core import clock, locks
from lienrx.core.actors import Actor
from lienrx.core.db import violates_unique
from lienrx.core.errors import Conflict, NotFound, RateLimited, ValidationFailed
from lienrx.core.ratelimit import FailureBackoff
from lienrx.core.security import ADMIN
from lienrx.core.unit_of_work import after_transaction, keeping_facts
from lienrx.extensions import db, limiter
from lienrx.parties.models import LawFirm

MIN_PASSWORD_LENGTH = passwords.MIN_LENGTH
EMAIL_TAKEN = "An account with this e-mail already exists."
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


def firm_errors(role: str, law_firm_id: int | None) -> list[str]:
    """What is wrong with ``law_firm_id`` for an account of ``role``; empty when it fits."""
    if problem := rules.firm_problem(role, law_firm_id):
        return [problem]
    if law_firm_id is not None and db.session.get(LawFirm, law_firm_id) is None:
        return ["No such law firm."]
    return []


def create_user(actor: Actor | None, *, email: str, name: str, role: str, password: str,
                law_firm_id: int | None = None, license_number: str | None = None) -> User:
    """Create an account; attorneys belong to exactly one firm, staff to none."""
    errors: dict[str, list[str]] = {}
    email = email.strip().lower()
    if find_by_email(email) is not None:
        errors["email"] = [EMAIL_TAKEN]
    if problems := passwords.problems(password, email):
        errors["password"] = problems
    if firm := firm_errors(role, law_firm_id):
        errors["law_firm_id"] = firm
    if errors:
        raise ValidationFailed(errors)
    user = User(email=email, name=name.strip(), role=role, law_firm_id=law_firm_id,
                license_number=license_number or None, password_hash=hash_password(password))
    try:
        with db.session.begin_nested():  # a twin created since the check above loses here
            db.session.add(user)
            db.session.flush()
    except IntegrityError as exc:
        if not violates_unique(exc, "users", "email"):
            raise
        raise Conflict("email_taken", EMAIL_TAKEN) from None
    audit.record(actor, "user.created", "user", user.id,
                 {"role": role, "law_firm_id": law_firm_id, "active": True})
    return user


def _sign_in_backoff() -> FailureBackoff:
    config = current_app.config
    return FailureBackoff(limiter.storage, "sign-in", free=config["LOGIN_ACCOUNT_FREE_FAILURES"],
                          cap=config["LOGIN_ACCOUNT_MAX_BACKOFF_SECONDS"],
                          window=config["LOGIN_ACCOUNT_WINDOW_SECONDS"])


def authenticate(email: str, password: str, totp: str | None = None) -> User | None:
    """The active user with these credentials, or None; records the attempt.

    Guessing at one account is slowed down wherever the guesses come from: after a few
    failures for an e-mail (known or not), each further attempt is refused with
    :class:`RateLimited` before any password is checked, for a time that doubles with every
    failure; a success forgets the failures. A user with a second factor enrolled also needs
    a current authentication code (``totp``).
    """
    account = email.strip().lower()
    backoff = _sign_in_backoff()
    wait = backoff.retry_after(account)
    if wait:
        raise RateLimited(f"Too many failed sign-ins for this account; try again in {wait} "
                          "seconds.", retry_after=wait)
    user = find_by_email(account)
    valid = check_password_hash(user.password_hash if user else _DUMMY_HASH, password)
    if user is None or not valid or not user.active:
        audit.record(None, "auth.failed", "user", user.id if user else None)
        after_transaction(db.session(), lambda: backoff.failed(account))
        return None
    factor = _enrolled_factor(user.id)
    if factor is not None and not _accept_code(factor, totp):
        audit.record(None, "auth.failed", "user", user.id, {"factor": "totp"})
        after_transaction(db.session(), lambda: backoff.failed(account))
        return None
    after_transaction(db.session(), lambda: backoff.succeeded(account))
    return user


def signed_in(user: User) -> None:
    """Record a browser sign-in (and when it was, for the admin's user list)."""
    user.last_sign_in_at = clock.utcnow()
    db.session.flush()
    audit.record(user, "auth.login", "user", user.id)


def _end_sessions(user: User) -> None:
    user.credential_generation = User.credential_generation + 1  # type: ignore[assignment]
    db.session.flush()


def end_credentials(user: User) -> int:
    """End every session and bearer token of ``user`` at once; the number of tokens ended."""
    _end_sessions(user)
    live = db.session.execute(sa.select(ApiToken).where(
        ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))).scalars().all()
    for token in live:
        token.revoked_at = clock.utcnow()
    db.session.flush()
    return len(live)


LAST_ADMIN = "This is the last active admin: make another user an admin first."


def is_last_active_admin(user: User) -> bool:
    """Whether ``user`` is the only active admin, with every active admin row locked so two
    admins changing each other at once cannot both pass (the second sees the first's change).
    """
    admins = locks.lock_all(sa.select(User).where(User.role == ADMIN, User.active.is_(True))
                            .order_by(User.id), User)
    return user.active and user.role == ADMIN and all(a.id == user.id for a in admins)


def signed_out(actor: Actor) -> None:
    """End the browser session: every session cookie issued to the user stops working."""
    user = db.session.get(User, actor.id)
    if user is not None:
        _end_sessions(user)
    audit.record(actor, "auth.logout", "user", actor.id)


def revoke_token(actor: Actor, token_id: int) -> None:
    """End one bearer token (an API sign-out): it answers 401 from now on."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != actor.id:
        raise NotFound("No such token.")
    if token.revoked_at is None:
        token.revoked_at = clock.utcnow()
        db.session.flush()
    audit.record(actor, "auth.token_revoked", "api_token", token.id)


def deactivate_user(actor: Actor | None, user_id: int) -> User:
    """Deactivate an account: its sessions and tokens stop working at once."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    if actor is not None and actor.id == user.id:
        raise Conflict("invalid_transition", "You cannot deactivate your own account.")
    if is_last_active_admin(user):
        raise Conflict("invalid_transition", LAST_ADMIN)
    was_active = user.active
    user.active = False
    revoked = end_credentials(user)
    audit.record(actor, "user.deactivated", "user", user.id,
                 {"was_active": was_active, "active": False, "role": user.role,
                  "law_firm_id": user.law_firm_id, "tokens_revoked": revoked})
    return user


def _token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_token(user: User, ttl: timedelta) -> tuple[str, ApiToken]:
    """Issue a bearer token; the raw value is returned once and only its hash is stored."""
    raw = secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, token_hash=_token_hash(raw),
                     expires_at=clock.utcnow() + ttl)
    db.session.add(token)
    user.last_sign_in_at = clock.utcnow()
    db.session.flush()
    audit.record(user, "auth.token_issued", "api_token", token.id)
    return raw, token


def token_for(raw: str) -> ApiToken | None:
    """The unexpired, unrevoked token with this value, held by an active user; or None."""
    token = db.session.execute(
        sa.select(ApiToken).where(ApiToken.token_hash == _token_hash(raw))
        .options(joinedload(ApiToken.user))
    ).scalar_one_or_none()
    if (token is None or token.revoked_at is not None or token.expires_at <= clock.utcnow()
            or not token.user.active):
        return None
    return token


def user_for_session(session_id: str) -> User | None:
    """The active user a session cookie names, if it was issued under the current generation.

    The cookie stores ``<user id>:<credential generation>`` (``User.get_id``); a cookie from
    before a sign-out or a deactivation names an older generation and is refused.
    """
    user_id, _, generation = session_id.partition(":")
    if not user_id.isdigit() or not generation.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or user.credential_generation != int(generation):
        return None
    return user


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
        return locks.lock(query, TotpFactor)
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
