"""Request and response shapes for webhook subscriptions and their delivery log."""

from __future__ import annotations

from marshmallow import ValidationError, fields

from lienrx.core.schemas import DumpSchema, Id, LoadSchema, TrimmedString
from lienrx.webhooks import rules


def _valid_url(url: str) -> None:
    problem = rules.url_problem(url)
    if problem is not None:
        raise ValidationError(problem)


def _valid_events(events: list[str]) -> None:
    problem = rules.events_problem(events)
    if problem is not None:
        raise ValidationError(problem)


class WebhookCreateSchema(LoadSchema):
    """A subscription to make: where to deliver, which events, and (staff only) for which
    firm."""

    url = TrimmedString(required=True, validate=_valid_url, metadata={
        "label": "URL", "example": "https://cms.cumberland-law.example/hooks/lienrx",
        "description": "The http or https address deliveries are POSTed to."})
    events = fields.List(fields.String(), required=True, validate=_valid_events, metadata={
        "label": "Events", "description": f"Any of: {', '.join(rules.EVENTS)}."})
    law_firm_id = Id(load_default=None, allow_none=True, metadata={
        "label": "Law firm",
        "description": "The firm the subscription is for: required for billing and admin; "
                       "an attorney's is always their own firm."})


class WebhookListArgs(LoadSchema):
    law_firm_id = Id(strict=False, load_default=None, metadata={
        "description": "Only this firm's subscriptions (billing and admin)."})


class WebhookSchema(DumpSchema):
    """A subscription as listed: never its secret."""

    id = fields.Integer()
    law_firm_id = fields.Integer()
    url = fields.String()
    events = fields.List(fields.String())
    active = fields.Boolean()
    created_by_user_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    deleted_at = fields.DateTime(allow_none=True)


class WebhookCreatedSchema(WebhookSchema):
    """A subscription just made, with its signing secret: shown this once, never again."""

    secret = fields.String(metadata={
        "description": "The HMAC-SHA256 key deliveries are signed with "
                       "(`X-LienRx-Signature: sha256=<hex>`). Store it now: it is not "
                       "shown again."})

