"""Accounts and credentials: create users, check passwords, issue, resolve and end credentials.

Credentials end at once: a browser session carries its user's ``credential_generation`` and
stops working when the generation moves on (sign-out, deactivation); a bearer token stops
working when it is revoked (API sign-out, deactivation).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from lienrx.audit import services as audit
from lienrx.auth import passwords
from lienrx.auth.models import ApiToken, User
from lienrx.core import clock
from lienrx.core.actors import Actor
from lienrx.core.db import violates_unique
from lienrx.core.errors import Conflict, NotFound, RateLimited, ValidationFailed
from lienrx.core.ratelimit import FailureBackoff
from lienrx.core.security import ATTORNEY
from lienrx.core.unit_of_work import after_transaction
from lienrx.extensions import db, limiter
from lienrx.parties.models import LawFirm

MIN_PASSWORD_LENGTH = passwords.MIN_LENGTH
EMAIL_TAKEN = "An account with this e-mail already exists."
# Checked when the e-mail is unknown, so a miss costs as much time as a wrong password.
_DUMMY_HASH = generate_password_hash("lienrx-timing-equaliser")


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
        errors["email"] = [EMAIL_TAKEN]
    if problems := passwords.problems(password, email):
        errors["password"] = problems
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
    try:
        with db.session.begin_nested():  # a twin created since the check above loses here
            db.session.add(user)
            db.session.flush()
    except IntegrityError as exc:
        if not violates_unique(exc, "users", "email"):
            raise
        raise Conflict("email_taken", EMAIL_TAKEN) from None
    audit.record(actor, "user.created", "user", user.id, {"role": role})
    return user


def _sign_in_backoff() -> FailureBackoff:
    config = current_app.config
    return FailureBackoff(limiter.storage, "sign-in", free=config["LOGIN_ACCOUNT_FREE_FAILURES"],
                          cap=config["LOGIN_ACCOUNT_MAX_BACKOFF_SECONDS"],
                          window=config["LOGIN_ACCOUNT_WINDOW_SECONDS"])


def authenticate(email: str, password: str) -> User | None:
    """The active user with these credentials, or None; records the attempt.

    Guessing at one account is slowed down wherever the guesses come from: after a few
    failures for an e-mail (known or not), each further attempt is refused with
    :class:`RateLimited` before any password is checked, for a time that doubles with every
    failure; a success forgets the failures.
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
    after_transaction(db.session(), lambda: backoff.succeeded(account))
    return user


def signed_in(user: User) -> None:
    """Record a browser sign-in."""
    audit.record(user, "auth.login", "user", user.id)


def _end_sessions(user: User) -> None:
    user.credential_generation = User.credential_generation + 1  # type: ignore[assignment]
    db.session.flush()


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
    was_active = user.active
    user.active = False
    _end_sessions(user)
    live = db.session.execute(sa.select(ApiToken).where(
        ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))).scalars().all()
    for token in live:
        token.revoked_at = clock.utcnow()
    db.session.flush()
    audit.record(actor, "user.deactivated", "user", user.id,
                 {"was_active": was_active, "tokens_revoked": len(live)})
    return user


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
