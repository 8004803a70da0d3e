"""Mark a user's notifications read, keep their e-mail preferences, queue quiet-lien e-mails."""

from __future__ import annotations

from lienrx.audit import services as audit
from lienrx.cases.rules import quiet_days
from lienrx.core import clock
from lienrx.core.actors import Actor
from lienrx.core.errors import Forbidden
from lienrx.core.security import ATTORNEY
from lienrx.extensions import db
from lienrx.notifications.models import ReadMark
from lienrx.notifications.queries import quiet_cases
from lienrx.outbox import preferences, rules
from lienrx.outbox import services as outbox
from lienrx.outbox.models import NotificationPreference


def mark_read(actor: Actor) -> ReadMark:
    """Move the user's read mark to now: older records stop being notifications."""
    mark = db.session.get(ReadMark, actor.id)
    if mark is None:
        mark = ReadMark(user_id=actor.id, read_at=clock.utcnow())
        db.session.add(mark)
    else:
        mark.read_at = clock.utcnow()
    db.session.flush()
    audit.record(actor, "notifications.read", "user", actor.id)
    return mark


def email_preferences(actor: Actor) -> dict[str, bool]:
    """Each event and whether the attorney is e-mailed about it (on unless turned off)."""
    return preferences.choices(actor.id)


def set_preferences(actor: Actor, **chosen: bool) -> dict[str, bool]:
    """Turn e-mail for each event on or off for the attorney; events not named stay as they
    were. Returns every event's choice."""
    if actor.role != ATTORNEY:
        raise Forbidden("Only attorneys receive case notifications.")
    unknown = set(chosen) - set(rules.EVENTS)
    if unknown:
        raise ValueError(f"unknown notification events {sorted(unknown)}")
    for event, enabled in chosen.items():
        row = db.session.get(NotificationPreference, (actor.id, event))
        if row is None:
            db.session.add(NotificationPreference(user_id=actor.id, event=event,
                                                  enabled=enabled))
        else:
            row.enabled = enabled
    db.session.flush()
    now = preferences.choices(actor.id)
    audit.record(actor, "notification_preferences.updated", "user", actor.id, now)
    return now


def enqueue_quiet_liens(after: int) -> int:
    """Queue a quiet-lien e-mail for each case quiet ``after`` days, once per quiet period
    (the period starts at the last fill, or at opening); returns how many were queued."""
    today = clock.today()
    queued = 0
    for row in db.session.execute(quiet_cases(after).select()).all():
        opened = clock.local_date(row.created_at)
        days = quiet_days(row.status, row.last_fill, opened, today, after)
        if days is None:
            continue
        since = row.last_fill or opened
        queued += sum(message.channel == rules.EMAIL for message in outbox.enqueue_event(
            rules.QUIET_LIEN, row.id, dedupe_key=f"{rules.QUIET_LIEN}:{row.id}:{since}",
            facts={"days": days}))
    return queued
