"""Webhooks API: register a firm's case-management URL for events, list, read, delete."""

from __future__ import annotations

from typing import Any

from flask_login import current_user

from lienrx.core.api import ApiBlueprint
from lienrx.core.security import ADMIN, ATTORNEY, BILLING, require_roles
from lienrx.webhooks import services
from lienrx.webhooks.schemas import (
    WebhookCreatedSchema,
    WebhookCreateSchema,
    WebhookListArgs,
    WebhookSchema,
)

blp = ApiBlueprint("webhooks_api", __name__,
                   description="Webhooks: signed JSON calls to a firm's case-management system")


@blp.route("/webhooks", methods=["POST"])
@require_roles(ATTORNEY, BILLING, ADMIN)
@blp.arguments(WebhookCreateSchema)
@blp.response(201, WebhookCreatedSchema)
def create_webhook(body: dict[str, Any]) -> Any:
    """Register a URL for events; the answer holds the signing secret, shown this once."""
    subscription, secret = services.create(current_user, **body)
    shown = {name: getattr(subscription, name) for name in WebhookSchema().fields}
    return {**shown, "secret": secret}


@blp.route("/webhooks", methods=["GET"])
@require_roles(ATTORNEY, BILLING, ADMIN)
@blp.arguments(WebhookListArgs, location="query")
@blp.response(200, WebhookSchema(many=True))
def list_webhooks(args: dict[str, Any]) -> Any:
    """The active webhooks: an attorney's firm's; billing and admin see every firm's."""
    return services.list_subscriptions(current_user, **args)


@blp.route("/webhooks/<int:webhook_id>", methods=["GET"])
@require_roles(ATTORNEY, BILLING, ADMIN)
@blp.response(200, WebhookSchema)
def get_webhook(webhook_id: int) -> Any:
    """One active webhook (another firm's is a 404)."""
    return services.get(current_user, webhook_id)


@blp.route("/webhooks/<int:webhook_id>", methods=["DELETE"])
@require_roles(ATTORNEY, BILLING, ADMIN)
@blp.response(204)
def delete_webhook(webhook_id: int) -> Any:
    """Stop deliveries to a webhook; calls still queued for it are given up."""
    services.delete(current_user, webhook_id)
    return None
