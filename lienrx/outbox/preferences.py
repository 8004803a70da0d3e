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


def _subscribers(firm_id: int, event: str) -> sa.Select[int]:
    return (sa.select(User.id).where(User.law_firm_id == firm_id, User.role == ATTORNEY,
                                     User.active.is_(True), ~_opted_out(event))
            .order_by(User.id))


def subscribers(firm_id: int, event: str) -> list[int]:
    """The ids of the firm's active attorneys who want ``event`` e-mailed."""
    return list(db.session.scalars(_subscribers(firm_id, event)))


def still_subscribed(user_id: int, firm_id: int, event: str) -> User | None:
    """The user, if they are still an active attorney of the firm who wants ``event``."""
    if db.session.scalar(_subscribers(firm_id, event).where(User.id == user_id)) is None:
        return None
    return db.session.get(User, user_id)
