"""Intake: find or register the patient, prescriber and law firm; open the case."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from lienrx.auth import queries as auth_queries
from lienrx.cases import queries as case_queries
from lienrx.cases import rules as case_rules
from lienrx.cases import services as cases
from lienrx.cases.schemas import CaseCreateSchema
from lienrx.core import forms
from lienrx.core.security import ADMIN, BILLING, PHARMACIST, TECHNICIAN, require_roles
from lienrx.parties import queries as party_queries
from lienrx.parties import services as parties
from lienrx.parties.rules import CREDENTIALS
from lienrx.parties.schemas import (
    LawFirmCreateSchema,
    PatientCreateSchema,
    PatientSearchArgs,
    PrescriberCreateSchema,
)
from lienrx.staff.blueprint import bp

INTAKE_ROLES = (PHARMACIST, TECHNICIAN, BILLING)
DIAGNOSIS_ROWS = 4
PATIENT_FIELDS = ("first_name", "last_name", "date_of_birth", "phone", "email", "address")
PRESCRIBER_FIELDS = ("first_name", "last_name", "credential", "npi", "dea_number",
                     "state_license", "specialty", "address")
CASE_FIELDS = ("firm_file_number", "date_of_injury", "injury_mechanism", "mechanism_narrative",
               "jurisdiction")


def crps_suggestions() -> list[tuple[str, str]]:
    """CRPS codes by name, for the diagnosis fields' suggestion list."""
    return [(code, f"CRPS {c.crps_type}" + (f", {c.side} {c.region} limb" if c.region else
                                             ", other/unspecified site"))
            for code, c in case_rules.CRPS_CODES.items()]


def _patient_search() -> tuple[forms.Submission | None, list[Any] | None]:
    args = {k: v.strip() for k, v in request.args.items() if k in ("last_name", "date_of_birth")}
    if not any(args.values()):
        return None, None
    search = forms.Submission.load(PatientSearchArgs(), {k: v for k, v in args.items() if v},
                                   raw=args)
    found = search.call(parties.find_patients, current_user) if search.ok else None
    return search, found


def _intake_page(status: int = 200, **forms_: Any) -> Any:
    search, patients = _patient_search()
    q = request.args.get("q", "")
    return render_template(
        "staff/intake.html", search=search, patients=patients, q=q,
        prescribers_found=party_queries.find_prescribers(q) if q else None,
        patient_form=forms_.get("patient_form"), prescriber_form=forms_.get("prescriber_form"),
        firm_form=forms_.get("firm_form"), duplicates=forms_.get("duplicates"),
        continue_with=next_for_patient, credentials=[(c, c) for c in CREDENTIALS]), status


def _duplicates(form: forms.Submission) -> list[tuple[Any, list[Any]]] | None:
    """The registered patients a refused registration may be (each read is audited), with
    their cases; None when the registration was not refused as a possible duplicate."""
    refusal = form.refusal
    if refusal is None or refusal.code != "possible_duplicate_patient":
        return None
    return [(parties.read_patient(current_user, match["id"]),
             case_queries.patient_cases(match["id"])) for match in refusal.extra["matches"]]


@bp.route("/intake")
@require_roles(*INTAKE_ROLES)
def intake() -> Any:
    """Show patient and prescriber search-or-create and the law firm form."""
    return _intake_page()


@bp.route("/intake/patients", methods=["POST"])
@require_roles(*INTAKE_ROLES)
def create_patient() -> Any:
    """Register a patient, then go on to open their case."""
    form = forms.Submission.load(PatientCreateSchema(),
                                 forms.read(PATIENT_FIELDS, checks=("confirm_new",),
                                            prefix="patient-"),
                                 prefix="patient-")
    patient = form.call(parties.create_patient, current_user)
    if patient is None:
        return _intake_page(form.status, patient_form=form, duplicates=_duplicates(form))
    flash(f"Patient {patient.id} registered.", "info")
    return redirect(next_for_patient(patient.id))


def next_for_patient(patient_id: int) -> str:
    """Where intake goes on with a patient: billing and pharmacists open the case, a
    technician records the clinical profile."""
    if current_user.role in (BILLING, PHARMACIST):
        return url_for("staff.new_case", patient_id=patient_id)
    return url_for("staff.patient", patient_id=patient_id)


@bp.route("/intake/prescribers", methods=["POST"])
@require_roles(PHARMACIST, TECHNICIAN)
def create_prescriber() -> Any:
    """Register a prescriber; the NPI and DEA number are checked."""
    form = forms.Submission.load(PrescriberCreateSchema(),
                                 forms.read(PRESCRIBER_FIELDS, prefix="prescriber-"),
                                 prefix="prescriber-")
    prescriber = form.call(parties.create_prescriber, current_user)
    if prescriber is None:
        return _intake_page(form.status, prescriber_form=form)
    flash(f"Prescriber {prescriber.display_name} (NPI {prescriber.npi}) registered.", "info")
    return redirect(url_for("staff.intake", q=prescriber.npi))


@bp.route("/intake/law-firms", methods=["POST"])
@require_roles(ADMIN, BILLING)
def create_law_firm() -> Any:
    """Register a law firm."""
    form = forms.Submission.load(LawFirmCreateSchema(),
                                 forms.read(("name", "address", "phone", "email"), prefix="firm-"),
                                 prefix="firm-")
    firm = form.call(parties.create_law_firm, current_user)
    if firm is None:
        return _intake_page(form.status, firm_form=form)
    flash(f"Law firm {firm.name} registered.", "info")
    return redirect(url_for("staff.intake"))


def _diagnoses() -> list[dict[str, Any]]:
    rows = []
    for i in range(DIAGNOSIS_ROWS):
        row = forms.read((f"dx-{i}-icd10", f"dx-{i}-laterality", f"dx-{i}-source"))
        if row:
            rows.append({key.rsplit("-", 1)[1]: value for key, value in row.items()})
    return rows


def _case_data() -> tuple[dict[str, Any], dict[str, Any]]:
    """The case schema's input from the form, and the form as shown back (rows compacted)."""
    diagnoses = _diagnoses()
    data = {**forms.read(CASE_FIELDS, ints=("patient_id", "law_firm_id", "attorney_user_id")),
            "diagnoses": diagnoses}
    if "jurisdiction" in data:
        data["jurisdiction"] = data["jurisdiction"].upper()
    raw = request.form.to_dict()
    for i in range(DIAGNOSIS_ROWS):
        for part in ("icd10", "laterality", "source"):
            raw[f"dx-{i}-{part}"] = diagnoses[i].get(part, "") if i < len(diagnoses) else ""
            raw[f"diagnoses.{i}.{part}"] = raw[f"dx-{i}-{part}"]
    return data, raw


def _case_form_page(form: forms.Submission, patient_id: Any) -> Any:
    return render_template(
        "staff/case_new.html", form=form, patient_id=patient_id,
        firms=[(f.id, f.name) for f in party_queries.law_firms()],
        attorneys=[(u.id, f"{u.name} ({u.law_firm.name if u.law_firm else 'no firm'})")
                   for u in auth_queries.attorneys()],
        mechanisms=[(m, m.replace("_", " ")) for m in case_rules.MECHANISMS],
        lateralities=case_rules.LATERALITIES, crps=crps_suggestions(),
        rows=DIAGNOSIS_ROWS), form.status


@bp.route("/cases/new", methods=["GET"])
@require_roles(BILLING, PHARMACIST)
def new_case() -> Any:
    """Show the case form for a patient found or registered at intake."""
    return _case_form_page(forms.blank(jurisdiction="TN"), request.args.get("patient_id", ""))


@bp.route("/cases/new", methods=["POST"])
@require_roles(BILLING, PHARMACIST)
def create_case() -> Any:
    """Open a case in `intake` with its diagnoses."""
    data, raw = _case_data()
    form = forms.Submission.load(CaseCreateSchema(), data, raw=raw)
    case = form.call(cases.open_case, current_user)
    if case is None:
        return _case_form_page(form, request.form.get("patient_id", ""))
    flash(f"Case {case.id} opened; record the lien agreement to activate it.", "info")
    return redirect(url_for("staff.case", case_id=case.id))
