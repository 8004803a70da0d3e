"""User administration by admins: the user list, role and firm changes, password resets.

Creating and deactivating accounts are :func:`lienrx.auth.services.create_user` and
:func:`~lienrx.auth.services.deactivate_user`. Every change here ends the user's sessions and
tokens, so rights from before the change do not linger in an open browser or a script, and is
audited with the old and new role, firm and active flag (never a password).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from lienrx.audit import services as audit
from lienrx.auth import passwords, services
from lienrx.auth.models import User
from lienrx.core.actors import Actor
from lienrx.core.errors import NotFound, ValidationFailed, field_error
from lienrx.core.paging import Page, fetch_page
from lienrx.core.security import ADMIN, ROLES
from lienrx.extensions import db


def _facts(user: User) -> dict[str, Any]:
    """What an admin change is audited by: role, firm and active flag, nothing else."""
    return {"role": user.role, "law_firm_id": user.law_firm_id, "active": user.active}


def get_user(user_id: int) -> User:
    """The account, with its firm; NotFound when there is none."""
    user = db.session.execute(sa.select(User).where(User.id == user_id)
                              .options(joinedload(User.law_firm))).scalar_one_or_none()
    if user is None:
        raise NotFound("No such user.")
    return user


def list_users(*, page: int, page_size: int, q: str = "", role: str | None = None,
               ) -> Page[User]:
    """A page of accounts by name; ``q`` matches part of the name or e-mail, ``role`` one role.

    No patient appears here: the list is not a PHI read.
    """
    query = sa.select(User)
    if role:
        query = query.where(User.role == role)
    for word in q.split():
        pattern = f"%{word.lower()}%"
        query = query.where(sa.or_(sa.func.lower(User.name).like(pattern),
                                   User.email.like(pattern)))
    return fetch_page(query.order_by(sa.func.lower(User.name), User.id), page=page,
                      page_size=page_size, options=(joinedload(User.law_firm),))


def change_role(actor: Actor, user_id: int, *, role: str,
                law_firm_id: int | None = None) -> User:
    """Give the user another role, or move an attorney to another firm.

    Attorneys belong to exactly one firm, staff to none. The user's sessions and tokens end:
    an attorney moved to another firm sees that firm's cases only, from their next sign-in,
    and loses the old firm's at once (cases of the old firm that name them as attorney of
    record keep that history). The last active admin keeps the admin role.
    """
    user = get_user(user_id)
    errors: dict[str, list[str]] = {}
    if role not in ROLES:
        errors["role"] = ["Choose one of the roles."]
    if firm := services.firm_errors(role, law_firm_id):
        errors["law_firm_id"] = firm
    if errors:
        raise ValidationFailed(errors)
    if role == user.role and law_firm_id == user.law_firm_id:
        raise field_error("role", "This is already the user's role and firm.")
    if role != ADMIN and services.is_last_active_admin(user):
        raise field_error("role", services.LAST_ADMIN)
    before = _facts(user)
    user.role, user.law_firm_id = role, law_firm_id
    revoked = services.end_credentials(user)
    db.session.expire(user, ["law_firm"])  # the new firm (or none) on the next read
    audit.record(actor, "user.role_changed", "user", user.id,
                 {"from": before, "to": _facts(user), "tokens_revoked": revoked})
    return user


def reset_password(actor: Actor, user_id: int, *, password: str) -> User:
    """Set a new password the admin hands over; the user's sessions and tokens end.

    The password must meet the same rules as any other (API.md): at least 12 characters,
    not well known, not containing the e-mail's name part.
    """
    user = get_user(user_id)
    if problems := passwords.problems(password, user.email):
        raise ValidationFailed({"password": problems})
    user.password_hash = services.hash_password(password)
    revoked = services.end_credentials(user)
    audit.record(actor, "user.password_reset", "user", user.id,
                 {**_facts(user), "tokens_revoked": revoked})
    return user
