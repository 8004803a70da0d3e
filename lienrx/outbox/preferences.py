"""Which events each attorney wants e-mailed: every event unless they turned it off."""

from __future__ import annotations

import sqlalchemy as sa

from lienrx.auth.models import User
from lienrx.core.security import ATTORNEY
from lienrx.extensions import db
from lienrx.outbox import rules
from lienrx.outbox.models import NotificationPreference


def choices(user_id: int) -> dict[str, bool]:
    """Each event and whether ``user_id`` is e-mailed about it."""
    turned = {event: enabled for event, enabled in db.session.execute(
        sa.select(NotificationPreference.event, NotificationPreference.enabled)
        .where(NotificationPreference.user_id == user_id))}
    return {event: turned.get(event, True) for event in rules.EVENTS}


def _opted_out(event: str) -> sa.Exists:
    return (sa.select(NotificationPreference.user_id)
            .where(NotificationPreference.user_id == User.id,
                   NotificationPreference.event == event,
                   NotificationPreference.enabled.is_(False)).exists())


def _wanting(firm_id: int, event: str) -> tuple[sa.ColumnElement[bool], ...]:
    """The firm's active attorneys who want ``event`` e-mailed, as conditions on users."""
    return (User.law_firm_id == firm_id, User.role == ATTORNEY, User.active.is_(True),
            ~_opted_out(event))


def subscribers(firm_id: int, event: str) -> list[int]:
    """The ids of the firm's active attorneys who want ``event`` e-mailed."""
    return list(db.session.scalars(
        sa.select(User.id).where(*_wanting(firm_id, event)).order_by(User.id)))


def still_subscribed(user_id: int, firm_id: int, event: str) -> User | None:
    """The user, if they are still an active attorney of the firm who wants ``event``."""
    return db.session.scalar(sa.select(User).where(User.id == user_id,
                                                   *_wanting(firm_id, event)))
