"""Request and response shapes for PDMP reports."""

from __future__ import annotations

from marshmallow import fields, validate

from lienrx.core.schemas import BoundedDate, DumpSchema, LoadSchema, Timestamp, TrimmedString
from lienrx.pdmp.models import METHODS, STATUSES

SUBMISSION_METHODS = METHODS
STATE = validate.Regexp(r"^[A-Za-z]{2}$", error="Two letters, e.g. TN.")


class ReportCreateSchema(LoadSchema):
    report_date = BoundedDate("event", required=True, metadata={"label": "Report date"})
    state = TrimmedString(load_default=None, allow_none=True, validate=STATE,
                          metadata={"label": "State"})


class ReportListArgs(LoadSchema):
    state = fields.String(load_default=None, validate=STATE)
    date_from = BoundedDate("event", load_default=None, data_key="from")
    date_to = BoundedDate("event", load_default=None, data_key="to")
    status = fields.String(load_default=None, validate=validate.OneOf(STATUSES))


class SubmissionSchema(LoadSchema):
    method = fields.String(required=True, validate=validate.OneOf(SUBMISSION_METHODS),
                           metadata={"label": "How it was sent"})
    submitted_at = Timestamp("event", load_default=None, allow_none=True,
                             metadata={"label": "Sent at"})


class ResultSchema(LoadSchema):
    accepted = fields.Boolean(required=True, metadata={"label": "Accepted"})
    errors = TrimmedString(load_default=None, allow_none=True,
                           validate=validate.Length(max=20000),
                           metadata={"label": "The state's error text"})


class ProblemSchema(DumpSchema):
    dispense_id = fields.Integer()
    rx_number = fields.String()
    problem = fields.String()
    record_status = fields.String()


class RecordSchema(DumpSchema):
    dispense_id = fields.Integer()
    rx_number = fields.String()
    record_status = fields.String()
    filled_on = fields.Date()
    refill_number = fields.Integer()
    partial_fill = fields.String()
    late_entry = fields.Boolean()


class ReportSchema(DumpSchema):
    id = fields.Integer()
    state = fields.String()
    report_date = fields.Date()
    asap_version = fields.String()
    control_number = fields.String()
    record_count = fields.Integer()
    zero_report = fields.Boolean()
    sha256 = fields.String()
    status = fields.String()
    problems = fields.List(fields.Nested(ProblemSchema))
    records = fields.List(fields.Nested(RecordSchema))
    generated_at = fields.DateTime()
    generated_by_user_id = fields.Integer(allow_none=True)
    submitted_at = fields.DateTime(allow_none=True)
    submitted_by_user_id = fields.Integer(allow_none=True)
    submission_method = fields.String(allow_none=True)
    result_at = fields.DateTime(allow_none=True)
    rejection_errors = fields.String(allow_none=True)
