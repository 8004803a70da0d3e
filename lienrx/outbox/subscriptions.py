"""Which firms' webhook subscriptions want an event."""

from __future__ import annotations

import sqlalchemy as sa

from lienrx.extensions import db
from lienrx.outbox.models import WebhookSubscription


def subscribed(firm_id: int, event: str) -> list[int]:
    """The ids of the firm's active subscriptions that asked for ``event``, oldest first."""
    found = db.session.execute(
        sa.select(WebhookSubscription.id, WebhookSubscription.events)
        .where(WebhookSubscription.law_firm_id == firm_id,
               WebhookSubscription.deleted_at.is_(None))
        .order_by(WebhookSubscription.id))
    return [subscription_id for subscription_id, events in found if event in events]
