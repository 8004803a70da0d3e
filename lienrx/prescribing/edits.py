"""Edits of a prescription after entry, as pharmacy practice allows them.

A prescription is a legal record. Before anything is dispensed against it, a transcription
error may be corrected (``rules.EDITABLE_BEFORE_FILL``, with a reason); the product (drug and
strength), the prescriber and the case never change: a different order is cancelled and
entered anew. Once dispensed against, it is never rewritten: the pharmacist records a
clarification beside it (:class:`PrescriptionAnnotation`: who, when, why), or a new
prescription for a changed order.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from flask import current_app

from lienrx.audit import edits
from lienrx.audit import services as audit
from lienrx.cases import services as cases
from lienrx.core.actors import Actor, actor_id
from lienrx.core.errors import Conflict, ValidationFailed
from lienrx.extensions import db
from lienrx.prescribing import rules
from lienrx.prescribing.models import Prescription, PrescriptionAnnotation
from lienrx.prescribing.services import (
    _diagnosis_codes,
    _dose_and_sig,
    effective_status,
    lock_prescription,
    order_problems,
    structured_dose,
)


def dispensed_against(prescription: Prescription) -> bool:
    """Anything was ever dispensed from it (a reversed dispense included) or a fill was
    closed short: from then on it is history and is not edited."""
    return (prescription.fills_dispensed > 0 or prescription.quantity_dispensed > 0
            or any(fill.begun for fill in prescription.fills))


def edit_prescription(actor: Actor, prescription_id: int, *, reason: str,
                      **values: Any) -> Prescription:
    """Correct an active prescription nothing was dispensed against (each field sent is
    set) under the rules of its entry; the expiry follows the written date. Refused once
    dispensed against (409 `invalid_transition`: annotate it, or record a new prescription)
    or on a closed case (409 `case_closed`). Audited as ``prescription.edited``. DUR is run
    again by the caller (:func:`lienrx.dur.use_cases.edit_prescription`)."""
    unknown = set(values) - set(rules.EDITABLE_BEFORE_FILL)
    if unknown:
        raise TypeError(f"not editable prescription fields: {sorted(unknown)}")
    prescription = lock_prescription(prescription_id)
    case = cases.get_case(actor, prescription.case_id)
    if dispensed_against(prescription):
        raise Conflict("invalid_transition",
                       "Something was dispensed against this prescription, so it is not "
                       "edited: add a clarification note, or record a new prescription.")
    status = effective_status(prescription)
    if status != "active":
        raise Conflict("invalid_transition", f"A prescription that is {status} is not edited.")
    cases.refuse_if_closed(case, "its prescriptions are final")
    merged = {name: values.get(name, _current(prescription, name))
              for name in rules.EDITABLE_BEFORE_FILL}
    errors: dict[str, Any] = {}
    order_problems(prescription.schedule, prescription.prescriber,
                   refills_authorized=merged["refills_authorized"], source=merged["source"],
                   written_on=merged["written_on"], errors=errors)
    codes = _diagnosis_codes(merged["diagnosis_codes"] or [], case, errors)
    indication = (merged["indication"] or "").strip()
    if not indication:
        errors["indication"] = ["Give the prescriber's stated reason for this prescription."]
    dose = structured_dose(merged["dose"])
    sig = _dose_and_sig((merged["sig"] or "").strip(), dose, prescription.product, errors)
    if not reason.strip():
        errors["reason"] = ["Say why the prescription as entered was wrong."]
    if errors:
        raise ValidationFailed(errors)
    state = rules.state_rule(current_app.config["LIENRX_PHARMACY_STATE"])
    changed = edits.apply(prescription, {
        "sig": sig, "indication": indication, "diagnosis_codes": codes,
        "quantity": merged["quantity"], "days_supply": merged["days_supply"],
        "refills_authorized": merged["refills_authorized"], "written_on": merged["written_on"],
        "expires_on": rules.expires_on(prescription.schedule, merged["written_on"], state),
        "source": merged["source"],
        "dose_amount": dose.amount if dose else None,
        "dose_unit": dose.unit if dose else None,
        "dose_times_per_day": dose.times_per_day if dose else None})
    db.session.flush()
    edits.record_edit(actor, "prescription", prescription.id, changed,
                      phi_free=rules.PHI_FREE_EDIT_FIELDS, reason=reason)
    return prescription


def _current(prescription: Prescription, name: str) -> Any:
    """A field as the edit form and the checks take it (the dose as its mapping)."""
    if name == "dose":
        dose = prescription.dose
        return None if dose is None else {"amount": dose.amount, "unit": dose.unit,
                                          "times_per_day": dose.times_per_day}
    return getattr(prescription, name)


def annotate_prescription(actor: Actor, prescription_id: int, *, note: str,
                          reason: str) -> PrescriptionAnnotation:
    """Record a clarification beside a prescription (e.g. directions confirmed with the
    prescriber): who, when and why; the prescription as written is unchanged. Audited as
    ``prescription.annotated`` (the note itself is the patient's: not in the log)."""
    prescription = lock_prescription(prescription_id)
    cases.get_case(actor, prescription.case_id)
    annotation = PrescriptionAnnotation(prescription_id=prescription.id, note=note,
                                        reason=reason, annotated_by_user_id=actor_id(actor))
    db.session.add(annotation)
    db.session.flush()
    audit.record(actor, "prescription.annotated", "prescription", prescription.id,
                 {"annotation_id": annotation.id})
    return annotation


def annotations_for(prescription_id: int) -> list[PrescriptionAnnotation]:
    """A prescription's clarifications, oldest first (read with the prescription)."""
    return list(db.session.execute(
        sa.select(PrescriptionAnnotation)
        .where(PrescriptionAnnotation.prescription_id == prescription_id)
        .order_by(PrescriptionAnnotation.id)).scalars())


def values_of(prescription: Prescription) -> Mapping[str, Any]:
    """The editable fields as they stand (to fill the edit form)."""
    return {name: _current(prescription, name) for name in rules.EDITABLE_BEFORE_FILL}
