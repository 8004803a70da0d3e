"""Edits after entry: a case's facts, a prescriber's details, a prescription before it is
dispensed against and, after, a clarification beside it. Each page shows the current values
and says what an edit does to records already made."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from lienrx.cases import edits as case_edits
from lienrx.cases import rules as case_rules
from lienrx.cases import services as cases
from lienrx.cases.schemas import CaseEditSchema
from lienrx.core import forms
from lienrx.core.schemas import plain_number
from lienrx.core.security import BILLING, PHARMACIST, TECHNICIAN, require_roles
from lienrx.dur import use_cases
from lienrx.parties import rules as party_rules
from lienrx.parties import services as parties
from lienrx.parties.schemas import PrescriberEditSchema
from lienrx.prescribing import edits as rx_edits
from lienrx.prescribing import rules as rx_rules
from lienrx.prescribing import services as prescribing
from lienrx.prescribing.schemas import AnnotationSchema, PrescriptionEditSchema
from lienrx.staff.blueprint import bp

CASE_EDITORS = (PHARMACIST, BILLING)
PRESCRIBER_EDITORS = (PHARMACIST, TECHNICIAN)
CASE_REQUIRED = ("date_of_injury", "injury_mechanism", "jurisdiction")
CASE_OPTIONAL = ("firm_file_number", "mechanism_narrative", "reason")
PRESCRIBER_REQUIRED = ("first_name", "last_name", "npi")
PRESCRIBER_OPTIONAL = ("credential", "dea_number", "state_license", "specialty", "address",
                       "phone", "reason")
RX_TEXT = ("sig", "indication", "quantity", "written_on", "reason")
RX_INTS = ("days_supply", "refills_authorized")
DOSE_PARTS = ("amount", "unit", "times_per_day")


def _posted(required: Iterable[str], optional: Iterable[str]) -> dict[str, Any]:
    """A whole-record form: a blank required field is missing (the schema says so), a blank
    optional one is null (it clears the value)."""
    data = forms.read(required)
    data.update({name: (request.form.get(name) or "").strip() or None for name in optional})
    return data


def _shown(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if value is None:
        return ""
    return value


# -- case ---------------------------------------------------------------------------------

def _case_page(case_id: int, form: forms.Submission | None = None) -> Any:
    case = cases.read_case(current_user, case_id)
    form = form or forms.Submission(
        {name: _shown(getattr(case, name)) for name in case_rules.EDITABLE_CASE_FIELDS},
        schema=CaseEditSchema())
    return render_template(
        "staff/case_edit.html", case=case, form=form,
        closed=case.status in case_rules.CLOSED_STATUSES,
        mechanisms=[(m, m.replace("_", " ")) for m in case_rules.MECHANISMS]), form.status


@bp.route("/cases/<int:case_id>/edit", methods=["GET"])
@require_roles(*CASE_EDITORS)
def edit_case(case_id: int) -> Any:
    """The case's editable fields with their current values."""
    return _case_page(case_id)


@bp.route("/cases/<int:case_id>/edit", methods=["POST"])
@require_roles(*CASE_EDITORS)
def save_case(case_id: int) -> Any:
    """Correct the case; a fact of the injury needs a reason."""
    form = forms.Submission.load(CaseEditSchema(), _posted(CASE_REQUIRED, CASE_OPTIONAL))
    if form.call(case_edits.edit_case, current_user, case_id) is None:
        return _case_page(case_id, form)
    flash("Case saved. Attestations already signed stay as signed; the next POGOS shows the "
          "new values.", "info")
    return redirect(url_for("staff.case", case_id=case_id))


# -- prescriber ---------------------------------------------------------------------------

def _prescriber_page(prescriber_id: int, form: forms.Submission | None = None) -> Any:
    prescriber = parties.get_prescriber(prescriber_id)
    form = form or forms.Submission(
        {name: _shown(getattr(prescriber, name)) for name in parties.PRESCRIBER_FIELDS},
        schema=PrescriberEditSchema())
    return render_template(
        "staff/prescriber_edit.html", prescriber=prescriber, form=form,
        credentials=[(c, c) for c in party_rules.CREDENTIALS]), form.status


@bp.route("/prescribers/<int:prescriber_id>/edit", methods=["GET"])
@require_roles(*PRESCRIBER_EDITORS)
def edit_prescriber(prescriber_id: int) -> Any:
    """The prescriber's details with their current values."""
    return _prescriber_page(prescriber_id)


@bp.route("/prescribers/<int:prescriber_id>/edit", methods=["POST"])
@require_roles(*PRESCRIBER_EDITORS)
def save_prescriber(prescriber_id: int) -> Any:
    """Correct the prescriber; the NPI and DEA number are checked as at registration."""
    form = forms.Submission.load(PrescriberEditSchema(),
                                 _posted(PRESCRIBER_REQUIRED, PRESCRIBER_OPTIONAL))
    prescriber = form.call(parties.edit_prescriber, current_user, prescriber_id)
    if prescriber is None:
        return _prescriber_page(prescriber_id, form)
    flash(f"Prescriber {prescriber.display_name} (NPI {prescriber.npi}) saved.", "info")
    return redirect(url_for("staff.edit_prescriber", prescriber_id=prescriber_id))


# -- prescription -------------------------------------------------------------------------

def _rx_values(rx: Any) -> dict[str, Any]:
    """The edit form filled with the prescription as it stands."""
    values = {name: _shown(value) for name, value in rx_edits.values_of(rx).items()
              if name not in ("dose", "diagnosis_codes")}
    values["quantity"] = plain_number(rx.quantity)
    dose = rx.dose
    if dose is not None:
        values.update({"dose.amount": plain_number(dose.amount), "dose.unit": dose.unit,
                       "dose.times_per_day": plain_number(dose.times_per_day)})
    return values


def _rx_page(prescription_id: int, *, edit_form: forms.Submission | None = None,
             note_form: forms.Submission | None = None) -> Any:
    rx = prescribing.read_prescription(current_user, prescription_id)
    codes = (request.form.getlist("diagnosis_codes") if edit_form is not None
             else rx.diagnosis_codes)
    edit_form = edit_form or forms.Submission(_rx_values(rx), schema=PrescriptionEditSchema())
    note_form = note_form or forms.Submission(prefix="note-", schema=AnnotationSchema())
    status = max(edit_form.status, note_form.status)
    return render_template(
        "staff/prescription_edit.html", rx=rx, status=prescribing.effective_status(rx),
        dispensed=rx_edits.dispensed_against(rx), annotations=rx_edits.annotations_for(rx.id),
        edit_form=edit_form, note_form=note_form, checked_codes=codes,
        case_codes=[d.icd10 for d in cases.get_case(current_user, rx.case_id).diagnoses],
        sources=[(s, s) for s in rx_rules.SOURCES],
        dose_units=[(u, u) for u in rx_rules.DOSE_UNITS]), status


@bp.route("/prescriptions/<int:prescription_id>/edit", methods=["GET"])
@require_roles(PHARMACIST)
def edit_prescription(prescription_id: int) -> Any:
    """Correct a prescription before anything is dispensed against it; after, annotate it."""
    return _rx_page(prescription_id)


@bp.route("/prescriptions/<int:prescription_id>/edit", methods=["POST"])
@require_roles(PHARMACIST)
def save_prescription(prescription_id: int) -> Any:
    """Correct the prescription as entered; DUR reviews it again."""
    dose = forms.read(DOSE_PARTS, prefix="dose.")
    data = {**forms.read(RX_TEXT, ints=RX_INTS), "dose": dose or None,
            "source": request.form.get("source") or None,
            "diagnosis_codes": request.form.getlist("diagnosis_codes")}
    form = forms.Submission.load(PrescriptionEditSchema(), data)
    view = form.call(use_cases.edit_prescription, current_user, prescription_id)
    if view is None:
        return _rx_page(prescription_id, edit_form=form)
    flash(f"Prescription RX{prescription_id:07d} corrected; DUR reviewed it again and found "
          f"{len(view.dur_alerts)} alert(s).", "info")
    return redirect(url_for("staff.prescription", prescription_id=prescription_id))


@bp.route("/prescriptions/<int:prescription_id>/annotations", methods=["POST"])
@require_roles(PHARMACIST)
def annotate_prescription(prescription_id: int) -> Any:
    """Record a clarification beside the prescription, which stays as written."""
    form = forms.Submission.load(AnnotationSchema(), forms.read(("note", "reason"),
                                                                prefix="note-"), prefix="note-")
    if form.call(rx_edits.annotate_prescription, current_user, prescription_id) is None:
        return _rx_page(prescription_id, note_form=form)
    flash("Clarification recorded beside the prescription.", "info")
    return redirect(url_for("staff.edit_prescription", prescription_id=prescription_id))
