"""What webhooks store beside the outbox: the log of each delivery attempt (the subscriptions
are the outbox's: they say who wants which event, like e-mail preferences)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from lienrx.core.db import UTCDateTime, one_of
from lienrx.extensions import db
from lienrx.webhooks import rules


class WebhookDelivery(db.Model):  # type: ignore[name-defined]
    """One attempt to deliver an outbox message to a subscription: when, how it ended (the
    receiver's HTTP status, or the kind of failure) and how long it took."""

    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        sa.ForeignKey("webhook_subscriptions.id", ondelete="RESTRICT"))
    outbox_message_id: Mapped[int] = mapped_column(
        sa.ForeignKey("outbox_messages.id", ondelete="RESTRICT"), index=True)
    event: Mapped[str] = mapped_column(sa.String(40))
    attempt: Mapped[int]
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    outcome: Mapped[str] = mapped_column(sa.String(20))
    status_code: Mapped[int | None]
    duration_ms: Mapped[int]

    __table_args__ = (
        one_of("outcome", tuple(rules.OUTCOMES), "outcome_known"),
        sa.CheckConstraint("attempt > 0", name="attempt_positive"),
        sa.CheckConstraint("duration_ms >= 0", name="duration_not_negative"),
        sa.Index("ix_webhook_deliveries_subscription_attempted", "subscription_id",
                 "attempted_at"),
    )
