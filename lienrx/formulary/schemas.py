"""Response shapes of the formulary, and the quantity field shared by prescribing and
compounding."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from marshmallow import fields

from lienrx.core.schemas import DumpSchema, Money, PageArgs
from lienrx.formulary import rules


class Quantity(fields.Number):  # a Number, so the OpenAPI document says "number"
    """A decimal amount: a JSON number (or numeric string) in, a JSON number out.

    At most three decimal places; never NaN or infinite; positive unless ``allow_zero``.
    """

    num_type = Decimal
    default_error_messages = {
        "invalid": "Send a number with at most three decimal places.",
        "not_positive": "Must be greater than zero.",
        "too_large": "Too large.",
    }

    def __init__(self, *, allow_zero: bool = False, **kwargs: Any) -> None:
        super().__init__(as_string=False, **kwargs)
        self.allow_zero = allow_zero

    def _serialize(self, value: Decimal | None, attr: str | None, obj: Any, **kw: Any) -> Any:
        if value is None:
            return None
        value = Decimal(value)
        return int(value) if value == value.to_integral_value() else float(value)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kw: Any) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise self.make_error("invalid")
        try:
            amount = Decimal(str(value))
        except InvalidOperation as exc:
            raise self.make_error("invalid") from exc
        if not amount.is_finite():
            raise self.make_error("invalid")
        if amount < 0 or (amount == 0 and not self.allow_zero):
            raise self.make_error("not_positive")
        if amount >= Decimal("1000000000"):  # before quantize, which fails on huge values
            raise self.make_error("too_large")
        if amount != amount.quantize(Decimal("0.001")):
            raise self.make_error("invalid")
        return amount


class ProductListArgs(PageArgs):
    code = fields.String(load_default=None)


class IngredientSchema(DumpSchema):
    component = fields.String()
    quantity = Quantity()
    unit = fields.String()
    role = fields.String()
    hazardous = fields.Boolean()


class FormulationSchema(DumpSchema):
    id = fields.Integer()
    version = fields.Integer()
    batch_quantity = Quantity()
    bud_category = fields.String()
    bud_days = fields.Function(lambda f: rules.BUD_CATEGORIES[f.bud_category].days)
    storage = fields.String()
    container_closure = fields.String()
    steps = fields.List(fields.String())
    qc_checks = fields.List(fields.Dict())
    auxiliary_labels = fields.List(fields.String())
    approved_by = fields.String()
    hazardous = fields.Boolean()
    ingredients = fields.List(fields.Nested(IngredientSchema))


class ProductSchema(DumpSchema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    kind = fields.String()
    dosage_form = fields.String()
    route = fields.String()
    strength = fields.String()
    unit = fields.String()
    dea_schedule = fields.String(allow_none=True)
    ndc = fields.String(allow_none=True)
    hazardous = fields.Boolean()
    dur_classes = fields.List(fields.String())
    indication = fields.String(allow_none=True)
    unit_price = Money(attribute="unit_price_cents")
    dispensing_fee = Money(attribute="dispensing_fee_cents")
    compounding_fee = Money(attribute="compounding_fee_cents")


class ProductDetailSchema(ProductSchema):
    formulation = fields.Nested(FormulationSchema, allow_none=True)
