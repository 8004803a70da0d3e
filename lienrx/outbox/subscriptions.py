"""Which firms' webhook subscriptions want an event."""

from __future__ import annotations

import sqlalchemy as sa

from lienrx.extensions import db
from lienrx.outbox.models import WebhookSubscription


def subscribed(firm_id: int, event: str) -> list[WebhookSubscription]:
    """The firm's active subscriptions that asked for ``event``, oldest first."""
    found = db.session.scalars(
        sa.select(WebhookSubscription)
        .where(WebhookSubscription.law_firm_id == firm_id,
               WebhookSubscription.deleted_at.is_(None))
        .order_by(WebhookSubscription.id))
    return [subscription for subscription in found if event in subscription.events]
