"""Request and response shapes for cases, agreements, outside treatments and transfers."""

from __future__ import annotations

from typing import Any

from marshmallow import fields, post_dump, validate, validates_schema
from marshmallow.exceptions import ValidationError

from lienrx.cases import rules
from lienrx.cases.rules import UNAUTHORIZED_CASE_FIELDS
from lienrx.core.schemas import BoundedDate, DumpSchema, Id, LoadSchema, Money, TrimmedString


def _opt(max_len: int, **kwargs: Any) -> TrimmedString:
    return TrimmedString(load_default=None, allow_none=True,
                         validate=validate.Length(max=max_len), **kwargs)


class DiagnosisInSchema(LoadSchema):
    icd10 = TrimmedString(required=True, validate=validate.Length(min=3, max=8),
                          metadata={"label": "ICD-10 code"})
    laterality = fields.String(load_default=None, allow_none=True,
                               validate=validate.OneOf(rules.LATERALITIES),
                               metadata={"label": "Laterality"})
    source = _opt(300, metadata={"label": "Source"})


class _CaseFactsSchema(LoadSchema):
    """The facts of a case that are entered at opening and may be corrected later."""

    firm_file_number = _opt(60, metadata={"label": "Firm's file number"})
    date_of_injury = BoundedDate("event", required=True, metadata={"label": "Date of injury"})
    injury_mechanism = fields.String(required=True, validate=validate.OneOf(rules.MECHANISMS),
                                     metadata={"label": "Injury mechanism"})
    mechanism_narrative = TrimmedString(load_default=None, allow_none=True,
                                        validate=validate.Length(max=5000),
                                        metadata={"label": "What happened"})
    jurisdiction = fields.String(
        required=True,
        validate=validate.OneOf(sorted(rules.US_STATES),
                                error="Use a two-letter US state code, e.g. TN."),
        metadata={"label": "Jurisdiction (state)"})


class CaseCreateSchema(_CaseFactsSchema):
    patient_id = Id(required=True, metadata={"label": "Patient ID"})
    law_firm_id = Id(required=True, metadata={"label": "Law firm"})
    attorney_user_id = Id(load_default=None, allow_none=True,
                          metadata={"label": "Attorney of record"})
    diagnoses = fields.List(fields.Nested(DiagnosisInSchema), required=True,
                            validate=validate.Length(min=1, max=40),
                            metadata={"label": "Diagnoses", "item_label": "Diagnosis"})


class CaseEditSchema(_CaseFactsSchema):
    """A correction of a case after it was opened (``rules.EDITABLE_CASE_FIELDS``)."""

    reason = _opt(500, metadata={
        "label": "Reason for the change",
        "hint": "Needed when a fact of the injury changes. Name the source (e.g. police "
                "report), not the patient's details."})


class CaseListArgs(LoadSchema):
    status = fields.String(load_default=None, validate=validate.OneOf(rules.STATUSES))


class DiagnosisSchema(DumpSchema):
    icd10 = fields.String()
    laterality = fields.String(allow_none=True)
    source = fields.String(allow_none=True)
    crps_type = fields.Function(
        lambda d: rules.CRPS_CODES[d.icd10].crps_type if d.icd10 in rules.CRPS_CODES else None)


class CasePatientSchema(DumpSchema):
    id = fields.Integer()
    first_name = fields.String()
    last_name = fields.String()
    date_of_birth = fields.String()


class LienAgreementSchema(DumpSchema):
    id = fields.Integer()
    case_id = fields.Integer()
    law_firm_id = fields.Integer()
    signed_on = fields.Date()
    patient_signed = fields.Boolean()
    attorney_user_id = fields.Integer(allow_none=True)
    document_sha256 = fields.String(allow_none=True)
    non_recourse = fields.Boolean()
    status = fields.String()


class ExternalTreatmentSchema(DumpSchema):
    id = fields.Integer()
    case_id = fields.Integer()
    kind = fields.String()
    started_on = fields.Date()
    ended_on = fields.Date(allow_none=True)
    facility = fields.String()
    protocol = fields.String(allow_none=True)
    dose = fields.String(allow_none=True)
    notes = fields.String(allow_none=True)


class CaseSchema(DumpSchema):
    id = fields.Integer()
    status = fields.String()
    patient_id = fields.Integer()
    patient = fields.Nested(CasePatientSchema)
    law_firm_id = fields.Integer()
    attorney_user_id = fields.Integer(allow_none=True)
    firm_file_number = fields.String(allow_none=True)
    date_of_injury = fields.Date()
    injury_mechanism = fields.String()
    mechanism_narrative = fields.String(allow_none=True)
    jurisdiction = fields.String()
    suit_filed_on = fields.Date(allow_none=True)
    diagnoses = fields.List(fields.Nested(DiagnosisSchema))
    external_treatments = fields.List(fields.Nested(ExternalTreatmentSchema))
    lien_agreement = fields.Nested(LienAgreementSchema, allow_none=True)
    balance = Money()
    created_at = fields.DateTime()


class LienAgreementCreateSchema(LoadSchema):
    signed_on = BoundedDate("event", required=True)
    patient_signed = fields.Boolean(required=True)
    attorney_user_id = Id(load_default=None, allow_none=True)
    document_sha256 = fields.String(
        load_default=None, allow_none=True,
        validate=validate.Regexp(r"^[0-9a-fA-F]{64}$", error="A SHA-256 is 64 hex digits."))
    non_recourse = fields.Boolean(load_default=True)


class ExternalTreatmentCreateSchema(LoadSchema):
    kind = fields.String(required=True, validate=validate.OneOf(rules.TREATMENT_KINDS),
                         metadata={"label": "Treatment"})
    started_on = BoundedDate("event", required=True, metadata={"label": "Started on"})
    ended_on = BoundedDate("event", load_default=None, allow_none=True,
                           metadata={"label": "Ended on"})
    facility = TrimmedString(required=True, validate=validate.Length(min=1, max=200),
                             metadata={"label": "Facility"})
    protocol = _opt(400, metadata={"label": "Protocol"})
    dose = _opt(200, metadata={"label": "Dose"})
    notes = TrimmedString(load_default=None, allow_none=True, validate=validate.Length(max=5000),
                          metadata={"label": "Notes"})

    @validates_schema
    def _ends_after_start(self, data: dict, **kwargs: object) -> None:
        if data.get("ended_on") and data["ended_on"] < data["started_on"]:
            raise ValidationError("The course ends before it starts.", "ended_on")


class TransferSchema(LoadSchema):
    law_firm_id = Id(required=True, metadata={"label": "New law firm"})
    attorney_user_id = Id(load_default=None, allow_none=True,
                          metadata={"label": "Attorney of record"})


class SuitFiledSchema(LoadSchema):
    suit_filed_on = BoundedDate("event", required=True, allow_none=True,
                                metadata={"label": "Suit filed on"})


class HoldSchema(LoadSchema):
    reason = TrimmedString(required=True, validate=validate.Length(min=1, max=500),
                           metadata={"label": "Reason for the hold"})


class LedgerLineSchema(DumpSchema):
    id = fields.Integer()
    kind = fields.String()
    amount = Money(allow_negative=True)
    posted_at = fields.DateTime()
    occurred_on = fields.Date()
    memo = fields.String()
    dispense_id = fields.Integer(allow_none=True)


class LedgerTotalsSchema(DumpSchema):
    charges = Money()
    reversals = Money()
    reductions = Money()
    payments = Money()
    write_offs = Money()
    refunds = Money()


class CaseLedgerSchema(DumpSchema):
    case_id = fields.Integer()
    balance = Money(allow_negative=True)
    totals = fields.Nested(LedgerTotalsSchema)
    entries = fields.List(fields.Nested(LedgerLineSchema))


# Attorney-facing shapes (SPEC §1: status, balance, fills, documents of the firm's own cases).
# Fields are declared, never inherited, so a field added for staff does not reach a firm.
# Left out for attorneys: the patient's internal id, outside-treatment dose, protocol and
# staff notes, record ids of agreements and treatments, and audit timestamps.


class AttorneyCasePatientSchema(DumpSchema):
    first_name = fields.String()
    last_name = fields.String()
    date_of_birth = fields.String()


class AttorneyDiagnosisSchema(DumpSchema):
    icd10 = fields.String()
    laterality = fields.String(allow_none=True)
    source = fields.String(allow_none=True)
    crps_type = fields.Function(
        lambda d: rules.CRPS_CODES[d.icd10].crps_type if d.icd10 in rules.CRPS_CODES else None)


class AttorneyExternalTreatmentSchema(DumpSchema):
    kind = fields.String()
    started_on = fields.Date()
    ended_on = fields.Date(allow_none=True)
    facility = fields.String()


class AttorneyLienAgreementSchema(DumpSchema):
    signed_on = fields.Date()
    patient_signed = fields.Boolean()
    document_sha256 = fields.String(allow_none=True)
    non_recourse = fields.Boolean()
    status = fields.String()


class AttorneyCaseSchema(CaseSchema):
    """The staff shape, only the fields listed (``Meta.fields``): a field added to
    :class:`CaseSchema` later stays with staff until it is listed here."""

    patient = fields.Nested(AttorneyCasePatientSchema)
    diagnoses = fields.List(fields.Nested(AttorneyDiagnosisSchema))
    external_treatments = fields.List(fields.Nested(AttorneyExternalTreatmentSchema))
    lien_agreement = fields.Nested(AttorneyLienAgreementSchema, allow_none=True)

    @post_dump(pass_original=True)
    def _without_authorization(self, data: dict[str, Any], case: Any,
                               **_: Any) -> dict[str, Any]:
        """A case the firm holds no HIPAA authorization for shows only its file number and
        status (``CaseView.disclosed``)."""
        if getattr(case, "disclosed", True):
            return data
        return {key: data[key] for key in UNAUTHORIZED_CASE_FIELDS if key in data}

    class Meta:
        fields = ("id", "status", "patient", "law_firm_id", "attorney_user_id",
                  "firm_file_number", "date_of_injury", "injury_mechanism",
                  "mechanism_narrative", "jurisdiction", "diagnoses", "external_treatments",
                  "lien_agreement", "balance")


class AttorneyLedgerLineSchema(DumpSchema):
    """API.md promises attorneys every field of a ledger entry; declared on its own so that
    a staff-only field added to :class:`LedgerLineSchema` stays with staff."""

    id = fields.Integer()
    kind = fields.String()
    amount = Money(allow_negative=True)
    posted_at = fields.DateTime()
    occurred_on = fields.Date()
    memo = fields.String()
    dispense_id = fields.Integer(allow_none=True)


class AttorneyCaseLedgerSchema(DumpSchema):
    case_id = fields.Integer()
    balance = Money(allow_negative=True)
    totals = fields.Nested(LedgerTotalsSchema)
    entries = fields.List(fields.Nested(AttorneyLedgerLineSchema))
