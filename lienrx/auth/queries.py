"""Read models of user accounts for the staff pages: the attorney picker, names by id."""

from __future__ import annotations

import sqlalchemy as sa

from lienrx.auth.models import User
from lienrx.core.security import ATTORNEY
from lienrx.extensions import db


def attorneys() -> list[User]:
    """Active attorney accounts with their firm (for the attorney-of-record picker)."""
    return list(db.session.execute(
        sa.select(User).where(User.role == ATTORNEY, User.active.is_(True))
        .order_by(User.name)).scalars())


def user_names(ids: set[int | None]) -> dict[int, str]:
    """Names of users by id (compounders, verifiers, pharmacists)."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = db.session.execute(sa.select(User.id, User.name).where(User.id.in_(wanted))).all()
    return {user_id: name for user_id, name in rows}
