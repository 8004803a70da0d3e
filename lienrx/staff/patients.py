"""The patient's page: the clinical profile and outside medications the pharmacist reviews."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from lienrx.cases import queries as case_queries
from lienrx.core import clock, forms
from lienrx.core.paging import page_number, page_url
from lienrx.core.schemas import plain_number
from lienrx.core.security import ADMIN, BILLING, PHARMACIST, TECHNICIAN, require_roles
from lienrx.disclosures import rules as disclosure_rules
from lienrx.disclosures import services as disclosure_services
from lienrx.parties import rules
from lienrx.parties import services as parties
from lienrx.parties.schemas import (
    OutsideMedicationCreateSchema,
    OutsideMedicationStopSchema,
    PatientIdentityEditSchema,
    PatientProfileSchema,
)
from lienrx.staff.blueprint import bp

READERS = (PHARMACIST, TECHNICIAN, BILLING)
ACCOUNTING_READERS = (PHARMACIST, BILLING, ADMIN)
PAGE_SIZE = 50
EDITORS = (PHARMACIST, TECHNICIAN)
PROFILE_INPUTS = ("sex", "weight_kg", "height_cm", "creatinine_clearance",
                  "creatinine_clearance_on", "phone", "email", "address")
ALLERGY_PARTS = ("substance", "reaction", "severity")
BLANK_ALLERGY_ROWS = 2
IDENTITY_FIELDS = ("first_name", "last_name", "date_of_birth")
MEDICATION_FIELDS = ("name", "ingredient", "dose_mg_per_day", "source", "started_on",
                     "stopped_on")


def _shown(value: Any) -> str:
    """A stored profile value as typed into its field."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return plain_number(value)
    return value or ""


def _profile_form(patient: Any) -> forms.Submission:
    """The profile form filled with what is recorded."""
    values = {name: _shown(getattr(patient, name)) for name in PROFILE_INPUTS}
    for i, allergy in enumerate(patient.allergies or []):
        for part in ALLERGY_PARTS:
            values[f"allergy-{i}-{part}"] = allergy.get(part) or ""
    return forms.blank(PatientProfileSchema(), **values)


def _allergy_rows(form: forms.Submission) -> int:
    recorded = sum(1 for key in form.raw if key.startswith("allergy-") and
                   key.endswith("-substance") and form.raw[key])
    return recorded + BLANK_ALLERGY_ROWS


def _identity_form(patient: Any) -> forms.Submission:
    """The identity form filled with what is recorded."""
    return forms.Submission({f"identity-{name}": getattr(patient, name)
                             for name in IDENTITY_FIELDS}, prefix="identity-",
                            schema=PatientIdentityEditSchema())


def _duplicates(form: forms.Submission) -> list[Any]:
    """The patients a refused change matches, to be shown (each read audited)."""
    refusal = form.refusal
    if refusal is None or refusal.code != "possible_duplicate_patient":
        return []
    return [parties.read_patient(current_user, match["id"])
            for match in refusal.extra["matches"]]


def patient_page(patient_id: int, *, profile_form: forms.Submission | None = None,
                 identity_form: forms.Submission | None = None,
                 medication_form: forms.Submission | None = None,
                 stop_form: forms.Submission | None = None, stopping: int | None = None,
                 status: int = 200) -> Any:
    """Render the patient: who they are, their cases, clinical profile, outside medications."""
    patient = parties.read_patient(current_user, patient_id)
    medications = parties.read_outside_medications(current_user, patient_id).items
    profile = profile_form or _profile_form(patient)
    identity = identity_form or _identity_form(patient)
    return render_template(
        "staff/patient.html", patient=patient, cases=case_queries.patient_cases(patient_id),
        medications=medications, today=clock.today(), profile_form=profile,
        identity_form=identity, duplicates=_duplicates(identity),
        allergy_rows=_allergy_rows(profile), allergy_parts=ALLERGY_PARTS,
        severities=rules.ALLERGY_SEVERITIES, sexes=[(s, s) for s in rules.SEXES],
        sources=[(s, s.replace("_", " ")) for s in rules.OUTSIDE_MEDICATION_SOURCES],
        medication_form=medication_form or forms.blank(OutsideMedicationCreateSchema()),
        stop_form=stop_form, stopping=stopping), status


@bp.route("/patients/<int:patient_id>")
@require_roles(*READERS)
def patient(patient_id: int) -> Any:
    """Show a patient's profile and outside medications."""
    return patient_page(patient_id)


@bp.route("/patients/<int:patient_id>/disclosures")
@require_roles(*ACCOUNTING_READERS)
def disclosures(patient_id: int) -> Any:
    """The accounting of disclosures of the patient's PHI to law firms (45 CFR 164.528), a
    page at a time, times on the pharmacy's clock (the read is audited)."""
    found = disclosure_services.accounting(current_user, patient_id,
                                           page=page_number(request.args), page_size=PAGE_SIZE)
    return render_template("staff/disclosures.html", patient_id=patient_id, page=found,
                           labels=disclosure_rules.WHAT_LABELS,
                           page_url=page_url)


def _allergies() -> tuple[list[dict[str, str]], dict[str, str]]:
    """Allergy rows typed (blank rows left out), and the rows as shown back, compacted."""
    indexes = sorted({int(key.split("-")[1]) for key in request.form
                      if key.startswith("allergy-") and key.split("-")[1].isdigit()})
    rows = []
    for i in indexes:
        row = forms.read([f"allergy-{i}-{part}" for part in ALLERGY_PARTS])
        if row:
            rows.append({key.rsplit("-", 1)[1]: value for key, value in row.items()})
    shown = {f"allergy-{i}-{part}": row.get(part, "")
             for i, row in enumerate(rows) for part in ALLERGY_PARTS}
    return rows, shown


@bp.route("/patients/<int:patient_id>/profile", methods=["POST"])
@require_roles(*EDITORS)
def update_patient_profile(patient_id: int) -> Any:
    """Record the clinical profile: every field as shown (a blank field clears it)."""
    allergies, shown = _allergies()
    data: dict[str, Any] = {name: request.form.get(name, "").strip() or None
                            for name in PROFILE_INPUTS}
    data["allergies"] = allergies
    raw = {**{k: v for k, v in request.form.to_dict().items()
              if not k.startswith("allergy-")}, **shown}
    form = forms.Submission.load(PatientProfileSchema(), data, raw=raw)
    if form.call(parties.update_patient, current_user, patient_id) is None:
        return patient_page(patient_id, profile_form=form, status=form.status)
    flash("Clinical profile recorded.", "info")
    return redirect(url_for("staff.patient", patient_id=patient_id))


@bp.route("/patients/<int:patient_id>/identity", methods=["POST"])
@require_roles(*EDITORS)
def edit_patient_identity(patient_id: int) -> Any:
    """Correct the name or date of birth; a match with another patient asks for a confirm."""
    form = forms.Submission.load(PatientIdentityEditSchema(),
                                 forms.read(IDENTITY_FIELDS, checks=("confirm_new",),
                                            prefix="identity-"), prefix="identity-")
    if form.call(parties.update_patient, current_user, patient_id) is None:
        return patient_page(patient_id, identity_form=form, status=form.status)
    flash("Name and date of birth saved.", "info")
    return redirect(url_for("staff.patient", patient_id=patient_id))


@bp.route("/patients/<int:patient_id>/outside-medications", methods=["POST"])
@require_roles(*EDITORS)
def record_outside_medication(patient_id: int) -> Any:
    """Record a medication the patient takes that this pharmacy did not fill."""
    form = forms.Submission.load(OutsideMedicationCreateSchema(),
                                 forms.read(MEDICATION_FIELDS, prefix="med-"), prefix="med-")
    medication = form.call(parties.record_outside_medication, current_user, patient_id)
    if medication is None:
        return patient_page(patient_id, medication_form=form, status=form.status)
    flash("Outside medication recorded.", "info")
    return redirect(url_for("staff.patient", patient_id=patient_id))


@bp.route("/patients/<int:patient_id>/outside-medications/<int:medication_id>/stop",
          methods=["POST"])
@require_roles(*EDITORS)
def stop_outside_medication(patient_id: int, medication_id: int) -> Any:
    """Record the day the patient stopped an outside medication."""
    prefix = f"stop-{medication_id}-"
    form = forms.Submission.load(OutsideMedicationStopSchema(),
                                 forms.read(("stopped_on",), prefix=prefix), prefix=prefix)
    medication = form.call(parties.stop_outside_medication, current_user, patient_id,
                           medication_id)
    if medication is None:
        return patient_page(patient_id, stop_form=form, stopping=medication_id,
                            status=form.status)
    flash("Outside medication stopped.", "info")
    return redirect(url_for("staff.patient", patient_id=patient_id))
