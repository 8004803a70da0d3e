"""Response shapes for DUR alerts, and a prescription shown with its alerts."""

from __future__ import annotations

from marshmallow import fields, validate

from lienrx.core.schemas import DumpSchema, LoadSchema, TrimmedString
from lienrx.prescribing.schemas import PrescriptionSchema


class DurAlertSchema(DumpSchema):
    id = fields.Integer()
    prescription_id = fields.Integer()
    rule = fields.String(attribute="rule_code")
    kind = fields.String()
    severity = fields.String()
    message = fields.String()
    status = fields.String()
    resolution = fields.String(allow_none=True)
    resolved_by = fields.Integer(attribute="resolved_by_user_id", allow_none=True)
    resolved_at = fields.DateTime(allow_none=True)


class PrescriptionWithAlertsSchema(PrescriptionSchema):
    dur_alerts = fields.List(fields.Nested(DurAlertSchema))


class ResolveSchema(LoadSchema):
    resolution = TrimmedString(required=True, validate=validate.Length(min=1, max=1000))
