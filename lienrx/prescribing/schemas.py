"""Request and response shapes for prescriptions."""

from __future__ import annotations

from marshmallow import fields, validate

from lienrx.core.schemas import (
    BoundedDate,
    DumpSchema,
    Id,
    LoadSchema,
    Quantity,
    TrimmedString,
    plain_number,
)
from lienrx.prescribing import fills, rules
from lienrx.prescribing.models import Prescription
from lienrx.prescribing.services import effective_status


class DoseSchema(LoadSchema):
    amount = Quantity(required=True, metadata={"label": "amount"})
    unit = fields.String(required=True, validate=validate.OneOf(rules.DOSE_UNITS),
                         metadata={"label": "unit"})
    times_per_day = Quantity(required=True, validate=validate.Range(max=24),
                             metadata={"label": "times per day"})


class PrescriptionCreateSchema(LoadSchema):
    case_id = Id(required=True)
    prescriber_id = Id(required=True, metadata={"label": "Prescriber"})
    product_id = Id(required=True, metadata={"label": "Product"})
    sig = TrimmedString(load_default=None, validate=validate.Length(max=1000),
                        metadata={"label": "Sig (directions)",
                                  "hint": "Left empty, it is written from the dose."})
    quantity = Quantity(required=True)
    days_supply = fields.Integer(required=True, strict=True,
                                 validate=validate.Range(min=1, max=365))
    refills_authorized = fields.Integer(load_default=0, strict=True,
                                        validate=validate.Range(min=0, max=99))
    written_on = BoundedDate("event", required=True)
    diagnosis_codes = fields.List(
        TrimmedString(validate=validate.Length(min=3, max=8)), required=True,
        validate=[validate.Length(min=1, error="Name at least one of the case's diagnoses."),
                  validate.Length(max=20)],
        metadata={"label": "Diagnoses this prescription treats"})
    indication = TrimmedString(required=True, validate=validate.Length(min=1, max=500),
                               metadata={"label": "Indication",
                                         "hint": "The prescriber's stated reason."})
    dose = fields.Nested(DoseSchema, load_default=None, allow_none=True,
                         metadata={"label": "Dose"})
    source = fields.String(load_default=None, allow_none=True,
                           validate=validate.OneOf(rules.SOURCES))


class PrescriptionEditSchema(LoadSchema):
    """A correction of a prescription nothing was dispensed against
    (``rules.EDITABLE_BEFORE_FILL``), with the reason."""

    sig = PrescriptionCreateSchema._declared_fields["sig"]
    quantity = Quantity(required=True, metadata={"label": "Quantity"})
    days_supply = fields.Integer(required=True, strict=True,
                                 validate=validate.Range(min=1, max=365),
                                 metadata={"label": "Days supply"})
    refills_authorized = fields.Integer(load_default=0, strict=True,
                                        validate=validate.Range(min=0, max=99),
                                        metadata={"label": "Refills authorized"})
    written_on = BoundedDate("event", required=True, metadata={"label": "Written on"})
    diagnosis_codes = PrescriptionCreateSchema._declared_fields["diagnosis_codes"]
    indication = PrescriptionCreateSchema._declared_fields["indication"]
    dose = PrescriptionCreateSchema._declared_fields["dose"]
    source = fields.String(load_default=None, allow_none=True,
                           validate=validate.OneOf(rules.SOURCES), metadata={"label": "Source"})
    reason = TrimmedString(required=True, validate=validate.Length(min=1, max=500),
                           metadata={"label": "Reason for the correction",
                                     "hint": "What was entered wrong, and from what source "
                                             "(e.g. the faxed original)."})


class AnnotationSchema(LoadSchema):
    note = TrimmedString(required=True, validate=validate.Length(min=1, max=1000),
                         metadata={"label": "Clarification",
                                   "hint": "e.g. Directions confirmed with the prescriber: "
                                           "apply twice a day to the left foot."})
    reason = TrimmedString(required=True, validate=validate.Length(min=1, max=500),
                           metadata={"label": "Reason",
                                     "hint": "e.g. Called Dr Roe's office on the fill date."})


class CancelSchema(LoadSchema):
    reason = TrimmedString(required=True, validate=validate.Length(min=1, max=500),
                           metadata={"label": "Reason for cancelling"})


class CloseFillSchema(LoadSchema):
    reason = TrimmedString(required=True, validate=validate.Length(min=1, max=500),
                           metadata={"label": "Reason for closing the fill short"})


class FillSchema(DumpSchema):
    refill_number = fields.Integer()
    quantity_dispensed = Quantity()
    partials = fields.Integer(attribute="last_partial")
    closed_short = fields.Boolean()
    closed_short_reason = fields.String(allow_none=True)
    closed_short_at = fields.DateTime(allow_none=True)


def _current_fill(prescription: Prescription) -> dict[str, object] | None:
    current = fills.current_fill(prescription)
    if current is None:
        return None
    return {"refill_number": current.refill_number, "next_partial": current.next_partial,
            "dispensed": plain_number(current.dispensed),
            "remaining": plain_number(current.remaining)}


class DoseOutSchema(DumpSchema):
    amount = Quantity()
    unit = fields.String()
    times_per_day = Quantity()


class PrescriptionSchema(DumpSchema):
    id = fields.Integer()
    case_id = fields.Integer()
    prescriber_id = fields.Integer()
    product_id = fields.Integer()
    product_code = fields.Function(lambda p: p.product.code)
    product_name = fields.Function(lambda p: p.product.name)
    sig = fields.String()
    quantity = Quantity()
    unit = fields.Function(lambda p: p.product.unit)
    days_supply = fields.Integer()
    refills_authorized = fields.Integer()
    written_on = fields.Date()
    expires_on = fields.Date()
    schedule = fields.String()
    diagnosis_codes = fields.List(fields.String())
    indication = fields.String(allow_none=True)
    dose = fields.Nested(DoseOutSchema, allow_none=True)
    source = fields.String(allow_none=True)
    status = fields.Function(lambda p: effective_status(p))
    quantity_authorized = Quantity()
    quantity_dispensed = Quantity()
    quantity_remaining = Quantity()
    fills_dispensed = fields.Integer()
    quantity_forfeited = Quantity()
    refills_remaining = fields.Integer()
    current_fill = fields.Function(_current_fill, allow_none=True)
    fills = fields.List(fields.Nested(FillSchema))
    entered_by = fields.Integer(attribute="entered_by_user_id", allow_none=True)
    cancel_reason = fields.String(allow_none=True)
    created_at = fields.DateTime()
