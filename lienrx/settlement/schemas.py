"""Request and response shapes for payoffs, settlements, reductions, payments and closing."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from marshmallow import ValidationError, fields, post_load, validate

from lienrx.core.schemas import BoundedDate, DumpSchema, LoadSchema, Money, TrimmedString
from lienrx.settlement import rules

MAX_PERCENT_PLACES = 4


class Percent(fields.Field):
    """A percent in (0, 100], as a decimal string or a JSON number, parsed with Decimal."""

    default_error_messages = {
        "invalid": "Enter a percent as a number, e.g. 33.33.",
        "range": "A percent must be more than 0 and at most 100.",
        "places": f"A percent has at most {MAX_PERCENT_PLACES} decimal places.",
    }

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise self.make_error("invalid")
        try:
            # a JSON number arrives as a float; its shortest repr is the digits the client sent
            percent = Decimal(str(value).strip())
        except InvalidOperation as exc:
            raise self.make_error("invalid") from exc
        if not percent.is_finite():
            raise self.make_error("invalid")
        if not Decimal(0) < percent <= Decimal(100):
            raise self.make_error("range")
        if percent != percent.quantize(Decimal(1).scaleb(-MAX_PERCENT_PLACES)):
            raise self.make_error("places")
        return percent


def _reason(**kwargs: Any) -> TrimmedString:
    return TrimmedString(required=True, validate=validate.Length(min=1, max=450), **kwargs)


class SettlementCreateSchema(LoadSchema):
    settled_on = BoundedDate("event", required=True, metadata={"label": "Settled on"})
    gross_amount = Money(required=True, metadata={"label": "Gross recovery"})
    attorney_fees = Money(required=True, metadata={"label": "Attorney fees"})
    costs = Money(required=True, metadata={"label": "Case costs"})


class SettlementSchema(DumpSchema):
    id = fields.Integer()
    case_id = fields.Integer()
    settled_on = fields.Date()
    gross_amount = Money(attribute="gross_cents")
    attorney_fees = Money(attribute="attorney_fees_cents")
    costs = Money(attribute="costs_cents")
    created_at = fields.DateTime()


class ReductionCreateSchema(LoadSchema):
    method = fields.String(required=True, validate=validate.OneOf(rules.REDUCTION_METHODS),
                           metadata={"label": "Method"})
    value = fields.Raw(load_default=None, allow_none=True,
                       metadata={"label": "Value", "money": True})
    reason = _reason(metadata={"label": "Reason"})

    @post_load
    def _parse_value(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        method, value = data["method"], data["value"]
        if method == rules.PRO_RATA:
            return {**data, "value": None}
        if value is None:
            raise ValidationError({"value": [f"A {method} reduction needs a value."]})
        field: fields.Field = Percent() if method in rules.PERCENT_VALUE_METHODS else Money()
        try:
            parsed = field.deserialize(value)
        except ValidationError as exc:
            raise ValidationError({"value": exc.messages}) from exc
        if method == rules.AMOUNT and parsed == 0:
            raise ValidationError({"value": ["A reduction must be more than zero."]})
        return {**data, "value": parsed}


class PostedSchema(DumpSchema):
    entry_id = fields.Integer()
    amount = Money()
    balance = Money()


class ReductionSchema(PostedSchema):
    id = fields.Integer()


class PaymentCreateSchema(LoadSchema):
    amount = Money(required=True, metadata={"label": "Amount"})
    received_on = BoundedDate("event", required=True, metadata={"label": "Received on"})
    reference = TrimmedString(required=True, validate=validate.Length(min=1, max=100),
                              metadata={"label": "Check or wire reference"})
    allow_overpayment = fields.Boolean(
        load_default=False,
        metadata={"label": "Overpayment",
                  "description": "Confirms a payment above the balance: the excess is booked "
                                 "as a refund owed. Without it such a payment is a 422."})


class PaymentSchema(PostedSchema):
    id = fields.Integer()
    refund_owed = Money()


class WriteOffCreateSchema(LoadSchema):
    amount = Money(load_default=None, allow_none=True, metadata={"label": "Amount"})
    reason = _reason(metadata={"label": "Reason"})


class CloseSchema(LoadSchema):
    outcome = fields.String(required=True, validate=validate.OneOf(tuple(rules.CLOSE_OUTCOMES)),
                            metadata={"label": "Outcome"})
    reason = TrimmedString(load_default=None, allow_none=True, validate=validate.Length(max=450),
                           metadata={"label": "Reason"})


class ReleaseLetterSchema(DumpSchema):
    id = fields.Integer()
    case_id = fields.Integer()
    issued_at = fields.DateTime()
    billed = Money(attribute="billed_cents")
    amount_paid = Money(attribute="amount_paid_cents")
    paid_on = fields.Date()
    reduced = fields.Boolean()
    html_url = fields.Function(lambda r: f"/api/v1/cases/{r.case_id}/release-letter.html")
    pdf_url = fields.Function(lambda r: f"/api/v1/cases/{r.case_id}/release-letter.pdf")


class ClosingLetterSchema(DumpSchema):
    id = fields.Integer()
    case_id = fields.Integer()
    issued_at = fields.DateTime()
    billed = Money(attribute="billed_cents")
    written_off = Money(attribute="written_off_cents")
    non_recourse = fields.Boolean()
    html_url = fields.Function(lambda r: f"/api/v1/cases/{r.case_id}/closing-letter.html")
    pdf_url = fields.Function(lambda r: f"/api/v1/cases/{r.case_id}/closing-letter.pdf")


class ClosedSchema(DumpSchema):
    status = fields.String()
    balance = Money()
    release = fields.Nested(ReleaseLetterSchema, allow_none=True)
    closing_letter = fields.Nested(ClosingLetterSchema, allow_none=True)


class PayoffLineSchema(DumpSchema):
    entry_id = fields.Integer()
    kind = fields.String()
    occurred_on = fields.String()
    description = fields.String()
    amount = Money()
    dispense_id = fields.Integer(allow_none=True)


class PayoffQuoteSchema(DumpSchema):
    case_id = fields.Integer()
    balance = Money()
    valid_through = fields.Date()
    lines = fields.List(fields.Nested(PayoffLineSchema))


class PayoffStatementSchema(PayoffQuoteSchema):
    id = fields.Integer()
    issued_at = fields.DateTime()
    status = fields.String(metadata={"enum": [rules.VALID, rules.VOID, rules.EXPIRED]})
    html_url = fields.Function(lambda s: f"/api/v1/payoff-statements/{s.id}.html")
    pdf_url = fields.Function(lambda s: f"/api/v1/payoff-statements/{s.id}.pdf")


class PreviewArgs(LoadSchema):
    gross = Money(required=True, metadata={"label": "Gross recovery"})
    attorney_fees = Money(required=True, metadata={"label": "Attorney fees"})
    costs = Money(required=True, metadata={"label": "Case costs"})
    percent = Percent(load_default=None, metadata={"label": "Reduce by %"})
    cap_percent = Percent(load_default=None, metadata={"label": "Cap at % of gross"})
    amount = Money(load_default=None, metadata={"label": "Reduce by $"})
    final = Money(load_default=None, metadata={"label": "Agree the lien at $"})


class ScenarioSchema(DumpSchema):
    method = fields.String()
    value = fields.String(allow_none=True)
    reduction = Money()
    lien = Money()
    client_net = Money()


class PreviewSchema(DumpSchema):
    case_id = fields.Integer()
    balance = Money()
    gross = Money()
    attorney_fees = Money()
    costs = Money()
    scenarios = fields.List(fields.Nested(ScenarioSchema))
