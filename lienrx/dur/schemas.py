"""Response shapes for DUR alerts, a prescription shown with its alerts, and the coded
resolution a pharmacist records (SPEC §7.3)."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from lienrx.core.schemas import DumpSchema, LoadSchema, Timestamp, TrimmedString
from lienrx.dur import codes
from lienrx.prescribing.schemas import PrescriptionSchema


class ContactedDumpSchema(DumpSchema):
    name = fields.String(attribute="contacted_name")
    at = fields.DateTime(attribute="contacted_at")


class DurAlertSchema(DumpSchema):
    id = fields.Integer()
    prescription_id = fields.Integer()
    rule = fields.String(attribute="rule_code")
    kind = fields.String()
    severity = fields.String()
    message = fields.String()
    status = fields.String()
    reason = fields.String(attribute="reason_code", allow_none=True)
    professional_service = fields.String(attribute="professional_service_code", allow_none=True)
    result = fields.String(attribute="result_code", allow_none=True)
    contacted = fields.Method("_contacted", allow_none=True)
    note = fields.String(allow_none=True)
    resolution = fields.String(allow_none=True)  # the note, as older clients read it
    resolution_in_words = fields.String(allow_none=True)
    resolved_by = fields.Integer(attribute="resolved_by_user_id", allow_none=True)
    resolved_at = fields.DateTime(allow_none=True)

    def _contacted(self, alert: Any) -> dict[str, Any] | None:
        if alert.contacted_name is None:
            return None
        return dict(ContactedDumpSchema().dump(alert))


class PrescriptionWithAlertsSchema(PrescriptionSchema):
    dur_alerts = fields.List(fields.Nested(DurAlertSchema))


class ContactedSchema(LoadSchema):
    name = TrimmedString(required=True, validate=validate.Length(min=1, max=200),
                         metadata={"label": "Who was contacted"})
    # "event", not "past": that bound compares the date as written (a UTC evening in the
    # pharmacy's afternoon is "tomorrow"); the service refuses a moment still to come.
    at = Timestamp("event", required=True, metadata={"label": "Contacted at"})


class ResolutionSchema(LoadSchema):
    """A coded resolution: reason, professional service and result together (a high alert
    needs them), who was contacted and when (for M0), and a note; ``resolution`` is the
    note as older clients send it."""

    reason = fields.String(load_default=None, allow_none=True,
                           validate=validate.OneOf(list(codes.REASONS)),
                           metadata={"label": "Reason"})
    professional_service = fields.String(
        load_default=None, allow_none=True, validate=validate.OneOf(
            list(codes.PROFESSIONAL_SERVICES)), metadata={"label": "Professional service"})
    result = fields.String(load_default=None, allow_none=True,
                           validate=validate.OneOf(list(codes.RESULTS)),
                           metadata={"label": "Result"})
    note = TrimmedString(load_default=None, allow_none=True,
                         validate=validate.Length(max=1000), metadata={"label": "Note"})
    resolution = TrimmedString(load_default=None, allow_none=True,
                               validate=validate.Length(max=1000),
                               metadata={"label": "Resolution"})
    contacted = fields.Nested(ContactedSchema, load_default=None, allow_none=True,
                              metadata={"label": "Contacted"})

    @validates_schema
    def _codes_together(self, data: dict[str, Any], **_: Any) -> None:
        sent = [k for k in ("reason", "professional_service", "result") if data.get(k)]
        if sent and len(sent) < 3:
            raise ValidationError({k: ["Give the reason, professional service and result "
                                       "together."] for k in ("reason", "professional_service",
                                                              "result") if k not in sent})
