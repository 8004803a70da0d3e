"""Reduction-request schemas: one validation path for the API and the portal form."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from marshmallow import ValidationError, fields, post_load, validate

from lienrx.core.errors import ValidationFailed
from lienrx.core.money import format_cents
from lienrx.core.schemas import DumpSchema, LoadSchema, Money, TrimmedString, plain_number
from lienrx.reduction_requests import rules
from lienrx.settlement.schemas import Percent


def parse_value(method: str, raw: Any) -> int | Decimal:
    """Parse a value for ``method``: cents for `amount`, a Decimal percent for `percent`."""
    field: fields.Field = Percent() if method == "percent" else Money()
    try:
        parsed = field.deserialize(raw)
    except ValidationError as exc:
        raise ValidationFailed({"value": exc.messages}) from None
    if method == "amount" and parsed == 0:
        raise ValidationFailed({"value": ["A reduction must be more than zero."]})
    return parsed  # type: ignore[no-any-return]


def show_value(method: str, value: int | Decimal | None) -> str | None:
    """A value as the firm reads it: "150.00" for an amount, "10" for a percent."""
    if value is None:
        return None
    if method == "amount":
        return format_cents(int(value))
    return plain_number(value)


class ReductionRequestCreateSchema(LoadSchema):
    method = fields.String(required=True, validate=validate.OneOf(rules.METHODS),
                           metadata={"label": "Reduce by"})
    value = fields.Raw(required=True, allow_none=False,
                       metadata={"description": 'Money ("150.00") for amount, a percent '
                                                '("10") for percent.',
                                 "label": "Amount or percent", "money": True,
                                 "hint": 'e.g. "$500.00" or "15"'})
    reason = TrimmedString(required=True, validate=validate.Length(min=1, max=rules.REASON_MAX),
                           metadata={"label": "Reason",
                                     "hint": f"Up to {rules.REASON_MAX} characters."})

    @post_load
    def _parse_value(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        try:
            return {**data, "value": parse_value(data["method"], data["value"])}
        except ValidationFailed as exc:
            raise ValidationError(exc.errors) from None


class ReductionRequestAnswerSchema(LoadSchema):
    decision = fields.String(required=True, validate=validate.OneOf(tuple(rules.DECISIONS)),
                             metadata={"label": "Decision"})
    note = TrimmedString(load_default=None, allow_none=True,
                         validate=validate.Length(max=rules.NOTE_MAX),
                         metadata={"label": "Note to the firm"})
    value = fields.Raw(load_default=None, allow_none=True,
                       metadata={"label": "Counter value", "money": True,
                                 "description": "A counter's value, in the request's method."})


class ReductionRequestRespondSchema(LoadSchema):
    action = fields.String(required=True, validate=validate.OneOf(tuple(rules.RESPONSES)),
                           metadata={"label": "Response"})
    amount = Money(load_default=None, allow_none=True,
                   validate=validate.Range(min=1, error="A counter must be more than zero."),
                   metadata={"label": "Counter amount",
                             "description": "Only with `counter`: the dollars the firm offers "
                                            "instead, for a request of either method."})
    note = TrimmedString(load_default=None, allow_none=True,
                         validate=validate.Length(max=rules.NOTE_MAX),
                         metadata={"label": "Note to billing"})


class ReductionRequestListArgs(LoadSchema):
    status = fields.String(load_default=rules.PENDING, validate=validate.OneOf(rules.STATUSES))


class ReductionRequestStepSchema(DumpSchema):
    number = fields.Integer()
    side = fields.String(metadata={"description": "`attorney` or `billing`."})
    action = fields.String(metadata={"description": "`request`, `counter`, `accept` or "
                                                    "`decline`."})
    amount = Money(attribute="amount_cents", allow_none=True,
                   metadata={"description": "Dollars asked, offered or posted (an accept "
                                            "carries the reduction it posted)."})
    percent = fields.Function(lambda s: None if s.percent is None else plain_number(s.percent),
                              allow_none=True,
                              metadata={"description": "A percent ask or counter on a "
                                                       "percent request."})
    note = fields.String(allow_none=True)
    user_id = fields.Integer()
    at = fields.DateTime()


class ReductionRequestSchema(DumpSchema):
    id = fields.Integer()
    acknowledgment_number = fields.String()
    case_id = fields.Integer()
    method = fields.String()
    value = fields.Function(lambda r: show_value(r.method, r.value))
    reason = fields.String()
    status = fields.String()
    created_at = fields.DateTime()
    answered_at = fields.DateTime(allow_none=True)
    answer_note = fields.String(allow_none=True)
    counter_value = fields.Function(lambda r: show_value(r.method, r.counter_value))
    reduction_id = fields.Integer(allow_none=True)
    waiting_on = fields.String(allow_none=True,
                               metadata={"description": "`billing`, `attorney`, or null once "
                                                        "accepted or declined."})
    steps = fields.List(fields.Nested(ReductionRequestStepSchema),
                        metadata={"description": "The negotiation, oldest step first."})
