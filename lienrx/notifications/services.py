"""Mark a user's notifications read."""

from __future__ import annotations

from lienrx.audit import services as audit
from lienrx.core import clock
from lienrx.core.actors import Actor
from lienrx.extensions import db
from lienrx.notifications.models import ReadMark


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
