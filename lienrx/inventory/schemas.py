"""Request and response shapes of the controlled-substance inventory."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from lienrx.core import clock
from lienrx.core.schemas import (
    BoundedDate,
    DumpSchema,
    Id,
    LoadSchema,
    Quantity,
    Timestamp,
    TrimmedString,
)
from lienrx.inventory import rules


def _text(label: str, length: int, *, required: bool = False, **kw: Any) -> TrimmedString:
    if not required:
        kw.setdefault("load_default", None)
        kw.setdefault("allow_none", True)
    return TrimmedString(required=required, validate=validate.Length(max=length),
                         metadata={"label": label, **kw.pop("metadata", {})}, **kw)


class ReceiptSchema(LoadSchema):
    component = _text("Component", 200, metadata={
        "hint": "As the master formulations name it, e.g. Ketamine hydrochloride USP powder."})
    product_id = Id(load_default=None, allow_none=True, metadata={"label": "Product"})
    ndc = _text("NDC", 13, required=True)
    lot_number = _text("Lot number", 60, required=True)
    expiration_date = BoundedDate("expiry", required=True, metadata={"label": "Expiration date"})
    quantity = Quantity(required=True, metadata={"label": "Quantity"})
    unit = fields.String(required=True, validate=validate.OneOf(rules.UNITS),
                         metadata={"label": "Unit"})
    supplier = _text("Supplier", 200, required=True)
    supplier_dea_number = _text("Supplier DEA number", 9, required=True)
    invoice_number = _text("Invoice number", 60, required=True)
    received_on = BoundedDate("event", load_default=clock.today,
                              metadata={"label": "Received on"})


class LotSchema(DumpSchema):
    id = fields.Integer()
    component = fields.String(allow_none=True)
    product_id = fields.Integer(allow_none=True)
    drug = fields.String()
    ndc = fields.String()
    lot_number = fields.String()
    unit = fields.String()
    on_hand = Quantity()
    expiration_date = fields.Date()
    dea_schedule = fields.String(allow_none=True)
    controlled = fields.Boolean()


class LotListArgs(LoadSchema):
    component = fields.String(load_default=None, validate=validate.Length(max=200))
    product_id = Id(strict=False, load_default=None)
    controlled = fields.Boolean(load_default=None)


class SourceSchema(DumpSchema):
    type = fields.String()
    id = fields.Integer()


class MovementSchema(DumpSchema):
    id = fields.Integer()
    lot_id = fields.Integer()
    kind = fields.String()
    quantity = Quantity()
    occurred_on = fields.Date()
    occurred_at = fields.DateTime(attribute="recorded_at")
    source = fields.Nested(SourceSchema, allow_none=True)
    user_id = fields.Integer(allow_none=True)
    reason = fields.String(allow_none=True)
    supplier = fields.String(allow_none=True)
    supplier_dea_number = fields.String(allow_none=True)
    invoice_number = fields.String(allow_none=True)
    witnesses = fields.List(fields.String(), allow_none=True)
    method = fields.String(allow_none=True)
    discovered_on = fields.Date(allow_none=True)


class MovementCreateSchema(LoadSchema):
    lot_id = Id(required=True, metadata={"label": "Lot"})
    kind = fields.String(required=True, validate=validate.OneOf(rules.MANUAL_KINDS),
                         metadata={"label": "Kind"})
    quantity = Quantity(required=True, metadata={"label": "Quantity"})
    reason = _text("Reason", 1000, metadata={
        "hint": "For a loss or theft: the circumstances (DEA Form 106)."})
    witnesses = fields.List(TrimmedString(validate=validate.Length(min=1, max=200)),
                            load_default=None, allow_none=True,
                            validate=validate.Length(max=4),
                            metadata={"label": "Witnesses", "item_label": "Witness"})
    method = _text("Method of destruction", 200)
    discovered_on = BoundedDate("event", load_default=None, allow_none=True,
                                metadata={"label": "Discovered on"})
    direction = fields.String(load_default=None, allow_none=True,
                              validate=validate.OneOf(("increase", "decrease")),
                              metadata={"label": "Direction"})
    destruction_id = Id(load_default=None, allow_none=True,
                        metadata={"label": "Set-aside destruction"})


class CountLineInSchema(LoadSchema):
    lot_id = Id(required=True, metadata={"label": "Lot"})
    counted_quantity = Quantity(required=True, allow_zero=True,
                                metadata={"label": "Counted"})
    estimated = fields.Boolean(load_default=False, metadata={"label": "Estimated"})
    reason = _text("Reason for the variance", 1000)


class CountCreateSchema(LoadSchema):
    kind = fields.String(required=True, validate=validate.OneOf(rules.COUNT_KINDS),
                         metadata={"label": "Kind of count"})
    counted_at = Timestamp("event", required=True, metadata={"label": "Counted at"})
    business_hours = fields.String(required=True,
                                   validate=validate.OneOf(rules.BUSINESS_HOURS),
                                   metadata={"label": "Opening or close of business"})
    lines = fields.List(fields.Nested(CountLineInSchema), required=True,
                        validate=validate.Length(min=1, max=1000),
                        metadata={"label": "Lines", "item_label": "Line"})


class CountLineSchema(DumpSchema):
    lot_id = fields.Integer()
    expected = Quantity()
    counted = Quantity()
    variance = Quantity()
    estimated = fields.Boolean()
    movement_id = fields.Integer(allow_none=True)


class CountSchema(DumpSchema):
    id = fields.Integer()
    kind = fields.String()
    counted_at = fields.DateTime()
    business_hours = fields.String()
    counted_by = fields.Integer(attribute="counted_by_user_id")
    lines = fields.List(fields.Nested(CountLineSchema))


class ReportArgs(LoadSchema):
    start = BoundedDate("event", required=True, data_key="from", metadata={"label": "From"})
    end = BoundedDate("event", required=True, data_key="to", metadata={"label": "To"})

    @validates_schema
    def _range_in_order(self, data: dict[str, Any], **kwargs: object) -> None:
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            raise ValidationError("Must be on or after the start of the period.", "to")
