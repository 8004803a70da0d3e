"""Accounts and credentials: create users, check passwords, issue and resolve bearer tokens."""

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
from lienrx.auth.models import ApiToken, User
from lienrx.core import clock
from lienrx.core.actors import Actor
from lienrx.core.db import violates_unique
from lienrx.core.errors import ValidationFailed
from lienrx.core.security import ATTORNEY
from lienrx.extensions import db
from lienrx.parties.models import LawFirm

MIN_PASSWORD_LENGTH = 8
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
    try:
        with db.session.begin_nested():  # a twin created since the check above loses here
            db.session.add(user)
            db.session.flush()
    except IntegrityError as exc:
        if not violates_unique(exc, "users", "email"):
            raise
        raise ValidationFailed({"email": [EMAIL_TAKEN]}) from None
    audit.record(actor, "user.created", "user", user.id, {"role": role})
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active user with these credentials, or None; records the attempt."""
    user = find_by_email(email)
    valid = check_password_hash(user.password_hash if user else _DUMMY_HASH, password)
    if user is None or not valid or not user.active:
        audit.record(None, "auth.failed", "user", user.id if user else None)
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
