"""Request and response shapes for dispenses."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from lienrx.cases.rules import US_STATES
from lienrx.core.schemas import (
    BoundedDate,
    DumpSchema,
    Id,
    LoadSchema,
    Money,
    Quantity,
    TrimmedString,
)
from lienrx.dispensing.models import DISPOSITIONS, LATE_ENTRY_REASON_MAX, REVERSAL_REASON_MAX
from lienrx.dur.schemas import ResolutionSchema

DELIVERY_METHODS = ("pickup", "courier", "mail")
SHIPPED = ("courier", "mail")  # the delivery methods that can cross a state line


class DurResolutionSchema(ResolutionSchema):
    """The coded resolution of one of the prescription's alerts (SPEC §7.3)."""

    alert_id = Id(required=True, metadata={"label": "Alert"})


class OverrideSchema(LoadSchema):
    reason = TrimmedString(required=True, validate=validate.Length(min=1, max=500))


class DispenseCreateSchema(LoadSchema):
    prescription_id = Id(required=True)
    quantity = Quantity(required=True)
    days_supply = fields.Integer(required=True, strict=True, validate=validate.Range(min=1,
                                                                                   max=365))
    dispensed_on = BoundedDate("event", load_default=None, metadata={"label": "Fill date"})
    late_entry_reason = TrimmedString(load_default=None, allow_none=True,
                                      validate=validate.Length(max=LATE_ENTRY_REASON_MAX),
                                      metadata={"label": "Late-entry reason"})
    compounding_record_id = Id(load_default=None, allow_none=True)
    ndc = TrimmedString(load_default=None, allow_none=True, validate=validate.Length(max=14))
    lot_number = TrimmedString(load_default=None, allow_none=True,
                               validate=validate.Length(max=60))
    lot_expiration_date = BoundedDate("expiry", load_default=None, allow_none=True,
                                      metadata={"label": "Lot expiry"})
    delivery_method = fields.String(load_default=None, allow_none=True,
                                    validate=validate.OneOf(DELIVERY_METHODS))
    delivery_state = fields.String(
        load_default=None, allow_none=True,
        validate=validate.OneOf(sorted(US_STATES), error="Use a two-letter US state code, "
                                                         "e.g. KY."),
        metadata={"label": "Shipped to (state)"})
    dur_resolutions = fields.List(fields.Nested(DurResolutionSchema), load_default=list,
                                  validate=validate.Length(max=50),
                                  metadata={"item_label": "DUR alert"})
    override_refill_too_soon = fields.Nested(OverrideSchema, load_default=None, allow_none=True)
    bud_override = fields.Nested(OverrideSchema, load_default=None, allow_none=True)
    medguide_provided = fields.Boolean(load_default=False,
                                       metadata={"label": "Medication Guide provided"})
    combine_refills = fields.Boolean(load_default=False,
                                     metadata={"label": "Combine refills"})

    @validates_schema
    def _shipped_to_a_state(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("delivery_state") and data.get("delivery_method") not in SHIPPED:
            raise ValidationError("Only a courier or mail fill is shipped to a state.",
                                  "delivery_state")


class ReverseSchema(LoadSchema):
    reason = TrimmedString(required=True,
                           validate=validate.Length(min=1, max=REVERSAL_REASON_MAX),
                           metadata={"label": "Reason"})
    disposition = fields.String(
        load_default=None, allow_none=True, validate=validate.OneOf(DISPOSITIONS),
        metadata={"label": "Disposition"})


class FillPartSchema(DumpSchema):
    """What a dispense drew from one fill (several parts: refills combined)."""

    refill_number = fields.Integer()
    quantity = Quantity()
    partial_sequence = fields.Integer()


class DispenseSchema(DumpSchema):
    id = fields.Integer()
    prescription_id = fields.Integer()
    case_id = fields.Integer()
    fill_number = fields.Integer()
    refill_number = fields.Integer()
    partial_sequence = fields.Integer()
    starts_fill = fields.Boolean()
    fill_parts = fields.List(fields.Nested(FillPartSchema))
    quantity = Quantity()
    days_supply = fields.Integer()
    dispensed_on = fields.Date()
    compounding_record_id = fields.Integer(allow_none=True)
    ndc = fields.String(allow_none=True)
    lot_number = fields.String(allow_none=True)
    delivery_method = fields.String(allow_none=True)
    delivery_state = fields.String(allow_none=True)
    pharmacist_user_id = fields.Integer()
    unit_price = Money(attribute="unit_price_cents")
    dispensing_fee = Money(attribute="dispensing_fee_cents")
    compounding_fee = Money(attribute="compounding_fee_cents")
    charge = Money(attribute="charge_cents")
    patient_paid = Money(attribute="patient_paid_cents")
    refill_override_reason = fields.String(allow_none=True)
    bud_override_reason = fields.String(allow_none=True)
    late_entry = fields.Boolean()
    late_entry_reason = fields.String(allow_none=True)
    medguide_provided = fields.Boolean()
    dur_alerts = fields.List(fields.Dict(), attribute="dur_review")
    status = fields.String()
    reversal_reason = fields.String(allow_none=True)
    reversed_at = fields.DateTime(allow_none=True)
    inventory_lot_id = fields.Integer(allow_none=True)
    disposition = fields.String(allow_none=True)
    label = fields.Dict()


class DrugSchema(DumpSchema):
    name = fields.String()
    strength = fields.String(allow_none=True)
    unit = fields.String()


class AttorneyDispenseSchema(DumpSchema):
    """A fill as the firm sees it: what was dispensed, when, and what the lien was charged.

    Left out: the pharmacist's user id, the prescription and compounding batch record ids,
    lot number, delivery, DUR review, refill-override reason, the printed label and the
    reversal's reason (staff's internal notes).
    """

    id = fields.Integer()
    case_id = fields.Integer()
    fill_number = fields.Integer()
    refill_number = fields.Integer()
    partial_sequence = fields.Integer()
    late_entry = fields.Boolean()
    drug = fields.Nested(DrugSchema, attribute="prescription.product")
    ndc = fields.String(allow_none=True)
    quantity = Quantity()
    days_supply = fields.Integer()
    dispensed_on = fields.Date()
    unit_price = Money(attribute="unit_price_cents")
    dispensing_fee = Money(attribute="dispensing_fee_cents")
    compounding_fee = Money(attribute="compounding_fee_cents")
    charge = Money(attribute="charge_cents")
    patient_paid = Money(attribute="patient_paid_cents")
    status = fields.String()
    reversed_at = fields.DateTime(allow_none=True)
