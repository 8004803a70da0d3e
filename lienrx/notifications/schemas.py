"""The e-mail preferences form: one on/off per event, labelled as the page shows it."""

from __future__ import annotations

from marshmallow import fields

from lienrx.core.schemas import LoadSchema
from lienrx.outbox import rules

EmailPreferencesSchema = LoadSchema.from_dict(
    {event: fields.Boolean(required=True, metadata={"label": label})
     for event, label in rules.EVENTS.items()}, name="EmailPreferencesSchema")
