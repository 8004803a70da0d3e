"""Request and response shapes for compounding records."""

from __future__ import annotations

from marshmallow import fields, validate

from lienrx.core.schemas import (
    BoundedDate,
    DumpSchema,
    Id,
    LoadSchema,
    Quantity,
    Timestamp,
    TrimmedString,
)
from lienrx.formulary.rules import INGREDIENT_UNITS


class IngredientLotInSchema(LoadSchema):
    component = TrimmedString(required=True, validate=validate.Length(min=1, max=200))
    vendor = TrimmedString(load_default=None, allow_none=True,
                           validate=validate.Length(max=200))
    lot_number = TrimmedString(required=True, validate=validate.Length(min=1, max=60))
    expiration_date = BoundedDate("expiry", required=True)
    quantity = Quantity(required=True)
    unit = fields.String(required=True, validate=validate.OneOf(INGREDIENT_UNITS))


class CompoundingRecordCreateSchema(LoadSchema):
    product_id = Id(required=True)
    quantity = Quantity(required=True)
    compounded_at = Timestamp("event", load_default=None, allow_none=True)
    ingredients = fields.List(fields.Nested(IngredientLotInSchema), required=True,
                              validate=validate.Length(min=1, max=40))
    qc_results = fields.Dict(keys=fields.String(), load_default=dict)
    deviations = TrimmedString(load_default=None, allow_none=True,
                               validate=validate.Length(max=5000))


class RejectSchema(LoadSchema):
    reason = TrimmedString(required=True, validate=validate.Length(min=1, max=500))


class IngredientLotSchema(DumpSchema):
    component = fields.String()
    vendor = fields.String(allow_none=True)
    lot_number = fields.String()
    expiration_date = fields.Date()
    quantity = Quantity()
    unit = fields.String()
    role = fields.String()
    hazardous = fields.Boolean()


class CompoundingRecordSchema(DumpSchema):
    id = fields.Integer()
    product_id = fields.Integer()
    product_code = fields.Function(lambda r: r.product.code)
    formulation_id = fields.Integer()
    formulation_version = fields.Integer()
    lot_number = fields.String()
    quantity = Quantity()
    remaining_quantity = Quantity()
    unit = fields.Function(lambda r: r.product.unit)
    compounded_at = fields.DateTime()
    compounded_by = fields.Integer(attribute="compounded_by_user_id")
    verified_by = fields.Integer(attribute="verified_by_user_id", allow_none=True)
    verified_at = fields.DateTime(allow_none=True)
    status = fields.String()
    beyond_use_date = fields.Date()
    bud_basis = fields.String()
    hazardous = fields.Boolean()
    qc_results = fields.Dict()
    deviations = fields.String(allow_none=True)
    rejection_reason = fields.String(allow_none=True)
    ingredients = fields.List(fields.Nested(IngredientLotSchema), attribute="ingredient_lots")
