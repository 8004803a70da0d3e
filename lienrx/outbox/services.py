"""The outbox: messages written in the transaction of the change they report, delivered later.

A request calls :func:`enqueue_event` beside its change; if the request rolls back, the rows go
with it and nothing is sent. `lienrx notify run` claims due rows one at a time
(:func:`claim`: ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so two workers never take the same
row), and records the outcome (:func:`record_sent`, :func:`record_failure`). Claiming counts
the attempt and moves the row's next attempt out by the backoff, so a worker that dies while
sending leaves the row to be retried then, never lost.
"""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from lienrx.audit import services as audit
from lienrx.cases.models import Case
from lienrx.core import clock, locks
from lienrx.core.db import violates_unique
from lienrx.extensions import db
from lienrx.outbox import preferences, rules, subscriptions
from lienrx.outbox.models import OutboxMessage
from lienrx.outbox.rules import (
    CASE_CLOSED,
    NEW_FILL,
    PAYOFF_ISSUED,
    QUIET_LIEN,
    REDUCTION_ANSWERED,
)

# The events are named here too, so a service that reports one imports this module only.
__all__ = ["CASE_CLOSED", "NEW_FILL", "PAYOFF_ISSUED", "QUIET_LIEN", "REDUCTION_ANSWERED",
           "Undeliverable", "claim", "enqueue", "enqueue_event", "record_failure", "record_sent"]

log = logging.getLogger("lienrx.outbox")


class Undeliverable(Exception):  # noqa: N818 - reads as what the message is
    """A message that can no longer go to its recipient; ``reason`` holds no PHI."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason



def enqueue(channel: str, payload: dict[str, Any], *,
            dedupe_key: str | None = None) -> OutboxMessage | None:
    """Add a message to the outbox in the current transaction; a ``dedupe_key`` already
    there adds nothing (None)."""
    if dedupe_key is not None and db.session.scalar(
            sa.select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)):
        return None
    message = OutboxMessage(channel=channel, payload=payload, dedupe_key=dedupe_key,
                            status=rules.PENDING, attempts=0, next_attempt_at=clock.utcnow())
    if dedupe_key is None:
        db.session.add(message)
        db.session.flush()
        return message
    try:
        with db.session.begin_nested():  # a twin run that got there first wins, quietly
            db.session.add(message)
            db.session.flush()
    except IntegrityError as exc:
        if not violates_unique(exc, "outbox_messages", "dedupe_key"):
            raise
        return None
    return message


def enqueue_event(event: str, case_id: int, ref: int | None = None, *,
                  dedupe_key: str | None = None,
                  facts: dict[str, int] | None = None) -> list[OutboxMessage]:
    """Queue the messages ``event`` on a case sends: an e-mail to each of its firm's attorneys
    who want it, and a webhook call to each of the firm's subscriptions that asked for it.

    ``ref`` is the id of the record the event is about (the dispense, the statement, the
    request), read again when the message is composed; ``facts`` are counts the message
    states (a quiet lien's days). A ``dedupe_key`` holds per recipient.
    """
    if event not in rules.EVENTS:
        raise ValueError(f"unknown notification event {event!r}")
    case = db.session.get(Case, case_id)  # no query if loaded
    if case is None:
        return []
    firm_id = case.law_firm_id
    about = {**(facts or {}), "event": event, "case_id": case_id, "ref": ref}
    recipients = [(rules.EMAIL, {**about, "user_id": user_id}, str(user_id))
                  for user_id in preferences.subscribers(firm_id, event)]
    recipients += [(rules.WEBHOOK, {**about, "subscription_id": subscription_id},
                    f"webhook:{subscription_id}")
                   for subscription_id in subscriptions.subscribed(firm_id, event)]
    queued = []
    for channel, payload, recipient in recipients:
        message = enqueue(channel, payload, dedupe_key=None if dedupe_key is None
                          else f"{dedupe_key}:{recipient}")
        if message is not None:
            queued.append(message)
    return queued


def claim(channels: tuple[str, ...]) -> OutboxMessage | None:
    """Take the next due message of ``channels`` for this worker, or None when none is due.

    The caller commits at once: from then on the row waits for its next attempt time.
    """
    now = clock.utcnow()
    message = locks.lock(
        sa.select(OutboxMessage)
        .where(OutboxMessage.status == rules.PENDING, OutboxMessage.channel.in_(channels),
               OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(1),
        OutboxMessage, skip_locked=True)
    if message is None:
        return None
    message.attempts += 1
    message.next_attempt_at = now + rules.retry_after(message.attempts)
    db.session.flush()
    return message


def record_sent(message_id: int) -> OutboxMessage:
    """Mark a message delivered and audit the delivery (ids only)."""
    message = db.session.get_one(OutboxMessage, message_id)
    message.status, message.sent_at, message.last_error = rules.SENT, clock.utcnow(), None
    db.session.flush()
    audit.record(None, f"notification.{message.channel}_sent", "outbox_message", message.id,
                 {key: message.payload[key] for key in ("event", "case_id", "user_id",
                                                        "subscription_id")
                  if key in message.payload})
    log.info("outbox message %s sent (%s, attempt %s)", message.id, message.channel,
             message.attempts)
    return message


def record_failure(message_id: int, reason: str, *, final: bool = False) -> OutboxMessage:
    """Keep why a delivery failed (``reason`` holds no PHI and no address); the message is
    retried at its next attempt time, or failed for good after the last attempt or when
    ``final``."""
    message = db.session.get_one(OutboxMessage, message_id)
    message.last_error = reason[:200]
    if final or message.attempts >= rules.MAX_ATTEMPTS:
        message.status = rules.FAILED
        log.warning("outbox message %s failed for good after %s attempts: %s",
                    message.id, message.attempts, message.last_error)
    else:
        log.warning("outbox message %s not delivered (attempt %s), retrying at %s: %s",
                    message.id, message.attempts, message.next_attempt_at.isoformat(),
                    message.last_error)
    db.session.flush()
    return message
