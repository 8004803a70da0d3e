"""Keep a firm's webhook subscriptions: register one (its secret shown once), list, read,
delete; and read the delivery log. An attorney sees only their own firm's; billing and admin
see every firm's. Another firm's subscription is a 404, like a missing one."""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa

from lienrx.audit import services as audit
from lienrx.core import clock
from lienrx.core.actors import Actor, actor_id
from lienrx.core.errors import NotFound, field_error
from lienrx.core.security import ATTORNEY
from lienrx.extensions import db
from lienrx.outbox.models import WebhookSubscription
from lienrx.parties.models import LawFirm
from lienrx.webhooks import rules
from lienrx.webhooks.models import WebhookDelivery

RECENT_DELIVERIES = 50  # the delivery log shows this many attempts, newest first


def _firm_for(actor: Actor, law_firm_id: int | None) -> int:
    """The firm a new subscription is for: an attorney's own; staff must name one."""
    if actor.role == ATTORNEY:
        if actor.law_firm_id is None:
            raise NotFound("No such law firm.")
        if law_firm_id is not None and law_firm_id != actor.law_firm_id:
            raise field_error("law_firm_id", "You register webhooks for your own firm only.")
        return actor.law_firm_id
    if law_firm_id is None:
        raise field_error("law_firm_id", "Name the law firm the webhook is for.")
    if db.session.get(LawFirm, law_firm_id) is None:
        raise field_error("law_firm_id", "No such law firm.")
    return law_firm_id


def create(actor: Actor, *, url: str, events: list[str],
           law_firm_id: int | None = None) -> tuple[WebhookSubscription, str]:
    """Register ``url`` to receive ``events`` for a firm; returns the subscription and its new
    signing secret (the only time the secret leaves the application).

    Nothing is kept when refused: 422 on `url` (not http or https, no host, credentials in
    it, too long), on `events` (none, or one unknown), on `law_firm_id`."""
    problem = rules.url_problem(url)
    if problem is not None:
        raise field_error("url", problem)
    chosen = list(dict.fromkeys(events))  # each event once, in the order given
    problem = rules.events_problem(chosen)
    if problem is not None:
        raise field_error("events", problem)
    firm_id = _firm_for(actor, law_firm_id)
    secret = secrets.token_hex(rules.SECRET_BYTES)
    subscription = WebhookSubscription(law_firm_id=firm_id, url=url, events=chosen,
                                       secret=secret, created_by_user_id=actor_id(actor),
                                       created_at=clock.utcnow())
    db.session.add(subscription)
    db.session.flush()
    audit.record(actor, "webhook.created", "webhook_subscription", subscription.id,
                 {"law_firm_id": firm_id, "host": urlsplit(url).hostname, "events": chosen})
    return subscription, secret


def _visible(actor: Actor) -> sa.Select[Any]:
    query = sa.select(WebhookSubscription)
    if actor.role == ATTORNEY:
        query = query.where(WebhookSubscription.law_firm_id == actor.law_firm_id)
    return query


def list_subscriptions(actor: Actor, law_firm_id: int | None = None) -> list[WebhookSubscription]:
    """The active subscriptions ``actor`` may see (one firm's, when named), oldest first."""
    query = _visible(actor).where(WebhookSubscription.deleted_at.is_(None))
    if law_firm_id is not None:
        query = query.where(WebhookSubscription.law_firm_id == law_firm_id)
    return list(db.session.scalars(query.order_by(WebhookSubscription.id)))


def get(actor: Actor, subscription_id: int) -> WebhookSubscription:
    """An active subscription ``actor`` may see; otherwise NotFound (never another firm's)."""
    found = db.session.scalar(_visible(actor).where(
        WebhookSubscription.id == subscription_id, WebhookSubscription.deleted_at.is_(None)))
    if found is None:
        raise NotFound("No such webhook.")
    return found


def delete(actor: Actor, subscription_id: int) -> WebhookSubscription:
    """Stop delivering to a subscription; deliveries still queued for it are given up."""
    subscription = get(actor, subscription_id)
    subscription.deleted_at, subscription.deleted_by_user_id = clock.utcnow(), actor_id(actor)
    db.session.flush()
    audit.record(actor, "webhook.deleted", "webhook_subscription", subscription.id,
                 {"law_firm_id": subscription.law_firm_id})
    return subscription


def recent_deliveries(actor: Actor, limit: int = RECENT_DELIVERIES
                      ) -> list[tuple[WebhookDelivery, WebhookSubscription]]:
    """The latest delivery attempts to the subscriptions ``actor`` may see, newest first."""
    query = (sa.select(WebhookDelivery, WebhookSubscription)
             .join(WebhookSubscription,
                   WebhookSubscription.id == WebhookDelivery.subscription_id)
             .order_by(WebhookDelivery.attempted_at.desc(), WebhookDelivery.id.desc())
             .limit(limit))
    if actor.role == ATTORNEY:
        query = query.where(WebhookSubscription.law_firm_id == actor.law_firm_id)
    return [(row[0], row[1]) for row in db.session.execute(query)]
