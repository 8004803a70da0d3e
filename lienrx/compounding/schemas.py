"""Request and response shapes for compounding records."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate

from lienrx.core.identifiers import normalize_ndc
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


class Ndc(TrimmedString):
    """An NDC as printed (4-4-2, 5-3-2, 5-4-1 or 11 digits), kept as 11 digits."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        text = super()._deserialize(value, attr, data, **kwargs)
        if not text:
            return None
        try:
            return normalize_ndc(text)
        except ValueError as exc:
            raise ValidationError(f"{exc}.") from exc


def QcResults() -> fields.Dict:  # noqa: N802 - a field
    """``{<check name>: result}``: text, or a number for a check with a range."""
    return fields.Dict(keys=fields.String(validate=validate.Length(min=1, max=40)),
                       values=fields.Raw(allow_none=False), load_default=dict,
                       validate=validate.Length(max=40), metadata={"label": "QC result"})


class IngredientLotInSchema(LoadSchema):
    component = TrimmedString(required=True, validate=validate.Length(min=1, max=200))
    vendor = TrimmedString(load_default=None, allow_none=True,
                           validate=validate.Length(max=200))
    lot_number = TrimmedString(required=True, validate=validate.Length(min=1, max=60))
    ndc = Ndc(load_default=None, allow_none=True, metadata={"label": "NDC"})
    expiration_date = BoundedDate("expiry", required=True)
    quantity = Quantity(required=True)
    unit = fields.String(required=True, validate=validate.OneOf(INGREDIENT_UNITS))


class CompoundingRecordCreateSchema(LoadSchema):
    product_id = Id(required=True)
    quantity = Quantity(required=True)
    compounded_at = Timestamp("event", load_default=None, allow_none=True)
    ingredients = fields.List(fields.Nested(IngredientLotInSchema), required=True,
                              validate=validate.Length(min=1, max=40))
    qc_results = QcResults()
    deviations = TrimmedString(load_default=None, allow_none=True,
                               validate=validate.Length(max=5000))


class BatchVerifySchema(LoadSchema):
    qc_results = QcResults()


class RejectSchema(LoadSchema):
    reason = TrimmedString(required=True, validate=validate.Length(min=1, max=500))


class IngredientLotSchema(DumpSchema):
    component = fields.String()
    vendor = fields.String(allow_none=True)
    lot_number = fields.String()
    ndc = fields.String(allow_none=True)
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
    rejected_by = fields.Integer(attribute="rejected_by_user_id", allow_none=True)
    rejected_at = fields.DateTime(allow_none=True)
    ingredients = fields.List(fields.Nested(IngredientLotSchema), attribute="ingredient_lots")
