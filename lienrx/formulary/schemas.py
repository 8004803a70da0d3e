"""Response shapes of the formulary."""

from __future__ import annotations

from marshmallow import fields

from lienrx.core.schemas import DumpSchema, LoadSchema, Money, Quantity
from lienrx.formulary import rules


class ProductListArgs(LoadSchema):
    code = fields.String(load_default=None)


class IngredientSchema(DumpSchema):
    component = fields.String()
    quantity = Quantity()
    unit = fields.String()
    role = fields.String()
    hazardous = fields.Boolean()
    qs = fields.Boolean()
    dea_schedule = fields.String(allow_none=True)
    ndc = fields.String(allow_none=True)


class QcCheckSchema(DumpSchema):
    name = fields.String()
    expected = fields.String()
    min = Quantity()
    max = Quantity()
    unit = fields.String()
    scales_with_batch = fields.Boolean()


class FormulationSchema(DumpSchema):
    id = fields.Integer()
    version = fields.Integer()
    batch_quantity = Quantity()
    bud_category = fields.String()
    bud_days = fields.Function(
        lambda f: f.stability_bud_days or rules.BUD_CATEGORIES[f.bud_category].days)
    bud_reference = fields.String(allow_none=True)
    stability_bud_days = fields.Integer(allow_none=True)
    stability_reference = fields.String(allow_none=True)
    strength_basis = fields.String()
    salt_factor = Quantity()
    storage = fields.String()
    container_closure = fields.String()
    steps = fields.List(fields.String())
    qc_checks = fields.List(fields.Nested(QcCheckSchema))
    auxiliary_labels = fields.List(fields.String())
    approved_by = fields.Integer(attribute="approved_by_user_id", allow_none=True)
    approved_at = fields.DateTime(allow_none=True)
    approval_note = fields.String(allow_none=True)
    hazardous = fields.Boolean()
    ingredients = fields.List(fields.Nested(IngredientSchema))


class ProductNdcSchema(DumpSchema):
    ndc = fields.String()
    labeler = fields.String(allow_none=True)


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
    effective_schedule = fields.String(allow_none=True)
    ndc = fields.String(allow_none=True)
    ndcs = fields.List(fields.Nested(ProductNdcSchema))
    hazardous = fields.Boolean()
    medication_guide = fields.Boolean()
    dur_classes = fields.List(fields.String())
    active_ingredient = fields.String(allow_none=True)
    indication = fields.String(allow_none=True)
    max_quantity_per_fill = Quantity()
    max_days_supply = fields.Integer()
    limits_source = fields.String(allow_none=True)
    unit_price = Money(attribute="unit_price_cents")
    dispensing_fee = Money(attribute="dispensing_fee_cents")
    compounding_fee = Money(attribute="compounding_fee_cents")


class ProductDetailSchema(ProductSchema):
    formulation = fields.Nested(FormulationSchema, allow_none=True)
