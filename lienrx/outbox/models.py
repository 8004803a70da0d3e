"""What the outbox stores: messages waiting to leave, and who wants which event: attorneys'
e-mail choices and firms' webhook subscriptions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from lienrx.core import clock
from lienrx.core.crypto import EncryptedText
from lienrx.core.db import UTCDateTime, one_of
from lienrx.extensions import db
from lienrx.outbox import rules


class NotificationPreference(db.Model):  # type: ignore[name-defined]
    """An attorney's choice to be e-mailed about one kind of event, or not.

    Only choices made are stored: an event without a row is e-mailed (on by default).
    """

    __tablename__ = "notification_preferences"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    event: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    enabled: Mapped[bool]

    __table_args__ = (one_of("event", tuple(rules.EVENTS), "event_known"),)


class WebhookSubscription(db.Model):  # type: ignore[name-defined]
    """A law firm's case-management system, told of the events it chose at its URL.

    The secret signs each delivery (HMAC-SHA256); it is a credential, so it is encrypted at
    rest and shown to the firm once, when the subscription is made. A deleted subscription
    (``deleted_at``) receives nothing more; its rows stay for the delivery log.
    """

    __tablename__ = "webhook_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    law_firm_id: Mapped[int] = mapped_column(
        sa.ForeignKey("law_firms.id", ondelete="RESTRICT"), index=True)
    url: Mapped[str] = mapped_column(sa.String(rules.WEBHOOK_URL_MAX_LENGTH))
    events: Mapped[list[str]] = mapped_column(sa.JSON)
    secret: Mapped[str] = mapped_column(EncryptedText)
    created_by_user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_by_user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"))

    @property
    def active(self) -> bool:
        return self.deleted_at is None


class OutboxMessage(db.Model):  # type: ignore[name-defined]
    """Something to send out of the application (an e-mail or a webhook call).

    Written in the transaction of the change it reports, so a change that rolls back sends
    nothing; delivered later by `lienrx notify run`, with retries. The payload holds ids and
    codes only: the message is composed when it is sent, and no PHI rests in this table.
    ``last_error`` says what kind of failure happened, never the server's words.
    """

    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(sa.String(20))
    payload: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    # A message that must go out once only (a quiet lien per quiet period) names itself here.
    dedupe_key: Mapped[str | None] = mapped_column(sa.String(200), unique=True)
    status: Mapped[str] = mapped_column(sa.String(10), default=rules.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.utcnow)
    last_error: Mapped[str | None] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        one_of("channel", rules.CHANNELS, "channel_known"),
        one_of("status", rules.STATUSES, "status_known"),
        sa.CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        sa.CheckConstraint("(status = 'sent') = (sent_at IS NOT NULL)", name="sent_when_sent"),
        sa.Index("ix_outbox_messages_due", "status", "next_attempt_at"),
    )
