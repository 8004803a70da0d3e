"""Request and response shapes for law firms, patients and prescribers."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from lienrx.core import clock
from lienrx.core.schemas import BoundedDate, DumpSchema, LoadSchema, Quantity, TrimmedString
from lienrx.parties import rules


def _opt(max_len: int, **kwargs: Any) -> TrimmedString:
    return TrimmedString(load_default=None, allow_none=True,
                         validate=validate.Length(max=max_len), **kwargs)


class LawFirmCreateSchema(LoadSchema):
    name = TrimmedString(required=True, validate=validate.Length(min=1, max=200),
                         metadata={"label": "Firm name"})
    address = _opt(400, metadata={"label": "Address"})
    phone = _opt(40, metadata={"label": "Phone"})
    email = fields.Email(load_default=None, allow_none=True, validate=validate.Length(max=254),
                         metadata={"label": "E-mail"})


class LawFirmSchema(DumpSchema):
    id = fields.Integer()
    name = fields.String()
    address = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    email = fields.String(allow_none=True)


def _plausible(name: str, label: str) -> Quantity:
    """A measurement within its plausible range (:data:`rules.PLAUSIBLE`); null clears it."""
    bounds = rules.PLAUSIBLE[name]
    return Quantity(allow_none=True, metadata={"label": label, "unit": bounds.unit},
                    validate=validate.Range(
                        min=bounds.low, max=bounds.high,
                        error=f"Must be between {bounds.low} and {bounds.high} {bounds.unit}."))


class AllergySchema(LoadSchema):
    substance = TrimmedString(required=True, validate=validate.Length(min=1, max=100),
                              metadata={"label": "Substance"})
    reaction = _opt(200, metadata={"label": "Reaction"})
    severity = _opt(40, metadata={"label": "Severity"})


class PatientProfileSchema(LoadSchema):
    """The clinical profile and contact details: sent fields change, null clears one.

    The creatinine clearance and the date it was measured come together (both, or neither).
    """

    sex = fields.String(allow_none=True, validate=validate.OneOf(rules.SEXES),
                        metadata={"label": "Sex"})
    weight_kg = _plausible("weight_kg", "Weight (kg)")
    height_cm = _plausible("height_cm", "Height (cm)")
    allergies = fields.List(fields.Nested(AllergySchema), allow_none=True,
                            validate=validate.Length(max=rules.MAX_ALLERGIES),
                            metadata={"label": "Allergies", "item_label": "Allergy"})
    creatinine_clearance = _plausible("creatinine_clearance", "Creatinine clearance (mL/min)")
    creatinine_clearance_on = BoundedDate("past", allow_none=True,
                                          metadata={"label": "Creatinine clearance measured on"})
    phone = TrimmedString(allow_none=True, validate=validate.Length(max=40),
                          metadata={"label": "Phone"})
    email = fields.Email(allow_none=True, validate=validate.Length(max=254),
                         metadata={"label": "E-mail"})
    address = TrimmedString(allow_none=True, validate=validate.Length(max=400),
                            metadata={"label": "Address"})

    @validates_schema(pass_original=True, skip_on_field_errors=False)
    def _clearance_with_its_date(self, data: dict[str, Any], original: Any,
                                 **kwargs: Any) -> None:
        # judged on what was sent, so a value refused for its range still needs its date
        if not isinstance(original, dict):
            return  # not an object: already refused as such
        value, day = "creatinine_clearance", "creatinine_clearance_on"
        if original.get(value) is not None and original.get(day) is None:
            raise ValidationError("Required with the creatinine clearance: the day it was "
                                  "measured.", day)
        if original.get(day) is not None and original.get(value) is None:
            raise ValidationError("Required with its date.", value)
        if (value in original) != (day in original):
            raise ValidationError("Send the creatinine clearance and its date together.",
                                  value if day in original else day)


class PatientIdentitySchema(LoadSchema):
    first_name = TrimmedString(required=True, validate=validate.Length(min=1, max=100),
                               metadata={"label": "First name"})
    last_name = TrimmedString(required=True, validate=validate.Length(min=1, max=100),
                              metadata={"label": "Last name"})
    date_of_birth = BoundedDate("birth", required=True, metadata={"label": "Date of birth"})


class PatientCreateSchema(PatientProfileSchema, PatientIdentitySchema):
    """Who the patient is (fields first), then any of the profile."""

    confirm_new = fields.Boolean(
        load_default=False, metadata={
            "label": "Register a new patient anyway",
            "description": "Register the patient even though one with the same last name "
                           "and date of birth exists (else 409 possible_duplicate_patient)."})


class PatientIdentityEditSchema(PatientIdentitySchema):
    """A correction of who the patient is; the duplicate rule applies as at registration."""

    confirm_new = fields.Boolean(load_default=False, metadata={
        "label": "Keep the change although another patient matches"})


class AllergyOutSchema(DumpSchema):
    substance = fields.String()
    reaction = fields.String(allow_none=True)
    severity = fields.String(allow_none=True)


class PatientSchema(DumpSchema):
    id = fields.Integer()
    first_name = fields.String()
    last_name = fields.String()
    date_of_birth = fields.String()
    phone = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    address = fields.String(allow_none=True)
    sex = fields.String(allow_none=True)
    weight_kg = Quantity(allow_none=True)
    height_cm = Quantity(allow_none=True)
    allergies = fields.List(fields.Nested(AllergyOutSchema), allow_none=True, metadata={
        "description": "null: not recorded; []: no known allergies."})
    creatinine_clearance = Quantity(allow_none=True)
    creatinine_clearance_on = fields.Date(allow_none=True)


class OutsideMedicationCreateSchema(LoadSchema):
    name = TrimmedString(required=True, validate=validate.Length(min=1, max=200),
                         metadata={"label": "Medication"})
    ingredient = TrimmedString(required=True, validate=validate.Length(min=1, max=100),
                               metadata={"label": "Active ingredient"})
    dose_mg_per_day = _plausible("dose_mg_per_day", "Dose (mg/day)")
    source = fields.String(required=True, validate=validate.OneOf(
        rules.OUTSIDE_MEDICATION_SOURCES), metadata={"label": "Source"})
    started_on = BoundedDate("past", allow_none=True, metadata={"label": "Started on"})
    stopped_on = BoundedDate("event", allow_none=True, metadata={"label": "Stopped on"})

    @validates_schema
    def _stopped_after_started(self, data: dict[str, Any], **kwargs: Any) -> None:
        started, stopped = data.get("started_on"), data.get("stopped_on")
        if started and stopped and stopped < started:
            raise ValidationError("Must not be before the day it was started.", "stopped_on")


class OutsideMedicationStopSchema(LoadSchema):
    stopped_on = BoundedDate("event", required=True, metadata={"label": "Stopped on"})


class OutsideMedicationSchema(DumpSchema):
    id = fields.Integer()
    patient_id = fields.Integer()
    name = fields.String()
    ingredient = fields.String()
    dose_mg_per_day = Quantity(allow_none=True)
    source = fields.String()
    started_on = fields.Date(allow_none=True)
    stopped_on = fields.Date(allow_none=True)
    active = fields.Function(lambda m: m.active_on(clock.today()), metadata={
        "type": "boolean", "description": "Not stopped by today (the pharmacy's date)."})


class PatientSearchArgs(LoadSchema):
    last_name = TrimmedString(required=True, validate=validate.Length(min=1, max=100),
                              metadata={"label": "Last name"})
    date_of_birth = BoundedDate("birth", required=True, metadata={"label": "Date of birth"})


class PrescriberCreateSchema(LoadSchema):
    first_name = TrimmedString(required=True, validate=validate.Length(min=1, max=100),
                               metadata={"label": "First name"})
    last_name = TrimmedString(required=True, validate=validate.Length(min=1, max=100),
                              metadata={"label": "Last name"})
    credential = TrimmedString(load_default=None, allow_none=True,
                               validate=validate.OneOf(rules.CREDENTIALS,
                                                       error="One of {choices}."),
                               metadata={"label": "Credential"})
    npi = TrimmedString(required=True, validate=validate.Length(max=10), metadata={"label": "NPI"})
    dea_number = TrimmedString(load_default=None, allow_none=True, validate=validate.Length(max=9),
                               metadata={"label": "DEA number"})
    state_license = _opt(40, metadata={"label": "State license"})
    specialty = _opt(100, metadata={"label": "Specialty"})
    address = _opt(400, metadata={"label": "Address"})


class PrescriberEditSchema(PrescriberCreateSchema):
    """A correction of a prescriber's details: every field as it should stand."""

    phone = _opt(40, metadata={"label": "Phone"})

    reason = _opt(500, metadata={"label": "Reason for the change",
                                 "hint": "e.g. the NPI registry shows another address."})


class PrescriberSchema(DumpSchema):
    id = fields.Integer()
    first_name = fields.String()
    last_name = fields.String()
    credential = fields.String(allow_none=True)
    npi = fields.String()
    dea_number = fields.String(allow_none=True)
    state_license = fields.String(allow_none=True)
    specialty = fields.String(allow_none=True)
    address = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
