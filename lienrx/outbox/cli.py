"""The delivery loop `lienrx notify run` runs for each channel of the outbox (e-mail, webhooks).

Each message is claimed and composed in one short transaction, committed, then sent with no
transaction open (a slow server never holds a database lock), and its outcome recorded in a
second transaction. The channel supplies only how to compose a message and how to send it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from lienrx.extensions import db
from lienrx.outbox import rules
from lienrx.outbox import services as outbox
from lienrx.outbox.models import OutboxMessage

Composed = TypeVar("Composed")
BATCH = 200  # messages one pass delivers at most


@dataclass
class Tally:
    """Messages sent, left to retry, and given up in one pass."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0

    def __bool__(self) -> bool:
        return bool(self.sent or self.retrying or self.failed)

    def __str__(self) -> str:
        return f"{self.sent} sent, {self.retrying} to retry, {self.failed} failed"


def deliver_due(channel: str, compose: Callable[[OutboxMessage], Composed],
                send: Callable[[Composed], str | None], limit: int = BATCH) -> Tally:
    """Deliver the due messages of ``channel``, one claimed row at a time, committing each
    outcome. ``compose`` raises ``Undeliverable`` (lienrx.outbox.services) for a message to
    give up; ``send`` returns None when delivered, else why not (the message is retried),
    and may record what it did in the session (committed with the outcome)."""
    tally = Tally()
    for _ in range(limit):
        message = outbox.claim((channel,))
        if message is None:
            db.session.commit()
            break
        message_id = message.id
        try:
            composed = compose(message)
        except outbox.Undeliverable as exc:
            outbox.record_failure(message_id, exc.reason, final=True)
            db.session.commit()
            tally.failed += 1
            continue
        db.session.commit()  # the claim holds from here: no other worker takes this row
        problem = send(composed)
        if problem is None:
            outbox.record_sent(message_id)
            tally.sent += 1
        elif outbox.record_failure(message_id, problem).status == rules.FAILED:
            tally.failed += 1
        else:
            tally.retrying += 1
        db.session.commit()
    return tally
