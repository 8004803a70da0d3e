"""Law firms, patients and prescribers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from lienrx.audit import edits
from lienrx.audit import services as audit
from lienrx.core import clock, crypto
from lienrx.core.actors import Actor
from lienrx.core.errors import Conflict, NotFound, ValidationFailed, field_error
from lienrx.core.identifiers import dea_valid, npi_valid
from lienrx.core.paging import Page, fetch_page
from lienrx.core.unit_of_work import keeping_facts
from lienrx.extensions import db
from lienrx.parties import rules
from lienrx.parties.models import LawFirm, OutsideMedication, Patient, Prescriber

PROFILE_FIELDS = ("sex", "weight_kg", "height_cm", "allergies", "creatinine_clearance",
                  "creatinine_clearance_on", "phone", "email", "address")
IDENTITY_FIELDS = ("first_name", "last_name", "date_of_birth")


def create_law_firm(actor: Actor | None, *, name: str, address: str | None = None,
                    phone: str | None = None, email: str | None = None) -> LawFirm:
    """Register a law firm."""
    firm = LawFirm(name=name, address=address, phone=phone, email=email)
    db.session.add(firm)
    db.session.flush()
    audit.record(actor, "law_firm.created", "law_firm", firm.id)
    return firm


def get_law_firm(firm_id: int) -> LawFirm:
    """The law firm, or NotFound."""
    firm = db.session.get(LawFirm, firm_id)
    if firm is None:
        raise NotFound("No such law firm.")
    return firm


def list_law_firms(page: int, page_size: int) -> Page[LawFirm]:
    """A page of the law firms by name, and how many there are."""
    return fetch_page(sa.select(LawFirm).order_by(LawFirm.name, LawFirm.id),
                      page=page, page_size=page_size)


def patient_lookup_index(last_name: str, date_of_birth: date) -> str:
    """The blind index of a patient: keyed HMAC of normalised last name and birth date."""
    return crypto.blind_index(last_name, date_of_birth.isoformat())


def patient_duplicate_index(last_name: str, date_of_birth: date) -> str:
    """The blind index duplicates are found by: keyed HMAC of the last name as duplicates
    compare (:func:`rules.duplicate_name`) and the birth date."""
    return crypto.blind_index(rules.duplicate_name(last_name), date_of_birth.isoformat())


def create_patient(actor: Actor | None, *, first_name: str, last_name: str, date_of_birth: date,
                   confirm_new: bool = False, **profile: Any) -> Patient:
    """Register a patient; every identifying field and the clinical profile are encrypted at
    rest. A patient with the same last name (as duplicates compare) and birth date is refused
    (409 `possible_duplicate_patient`, naming the matches) unless ``confirm_new``."""
    if date_of_birth > clock.today():
        raise field_error("date_of_birth", "The date of birth is in the future.")
    duplicate_index = patient_duplicate_index(last_name, date_of_birth)
    if not confirm_new:
        _refuse_duplicates(actor, duplicate_index)
    patient = Patient(first_name=first_name, last_name=last_name,
                      date_of_birth=date_of_birth.isoformat(),
                      lookup_index=patient_lookup_index(last_name, date_of_birth),
                      duplicate_index=duplicate_index, **_profile(profile))
    db.session.add(patient)
    db.session.flush()
    audit.record(actor, "patient.created", "patient", patient.id)
    return patient


REGISTERED_TWICE = ("A patient with this last name and date of birth is already registered; "
                    "if it is the same person, use that patient's record, else confirm that "
                    "this is a new patient.")
EDITED_INTO_A_MATCH = ("Another patient is registered with this last name and date of birth; "
                       "if it is the same person, use that patient's record, else confirm the "
                       "change.")


def _refuse_duplicates(actor: Actor | None, duplicate_index: str,
                       other_than: int | None = None, detail: str = REGISTERED_TWICE) -> None:
    matches = list(db.session.execute(
        sa.select(Patient.id).where(Patient.duplicate_index == duplicate_index,
                                    Patient.id != other_than if other_than else sa.true())
        .order_by(Patient.id)).scalars())
    if matches:
        # which patients the caller was told of is kept, though the registration is refused
        audit.record(actor, "patient.duplicate_refused", "patient", None, {"matches": matches})
        raise keeping_facts(Conflict("possible_duplicate_patient", detail,
                                     matches=[{"id": i} for i in matches]))


def _profile(values: dict[str, Any]) -> dict[str, Any]:
    """The profile fields among ``values`` (anything else is a programming error)."""
    unknown = set(values) - set(PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"not profile fields: {sorted(unknown)}")
    return values


def update_patient(actor: Actor, patient_id: int, *, confirm_new: bool = False,
                   **changes: Any) -> Patient:
    """Edit a patient: the clinical profile and contact details (a null clears one) and, from
    the staff page, the name and date of birth. A new name or birth date recomputes the blind
    indexes and, when it matches another patient's, is refused (409
    `possible_duplicate_patient`) unless ``confirm_new``. Audited as ``patient.edited`` with
    the names of the fields that changed, never their values (every one of them is PHI)."""
    patient = _patient(patient_id)
    identity = {name: changes.pop(name) for name in IDENTITY_FIELDS if name in changes}
    changed: dict[str, tuple[Any, Any]] = {}
    if identity:
        changed = _change_identity(actor, patient, confirm_new=confirm_new, **identity)
    changed.update(edits.apply(patient, _profile(changes)))
    db.session.flush()
    edits.record_edit(actor, "patient", patient.id, changed, phi_free=())
    return patient


def _change_identity(actor: Actor, patient: Patient, *, confirm_new: bool,
                     **identity: Any) -> dict[str, tuple[Any, Any]]:
    """Set the name and birth date sent and recompute the blind indexes; what changed."""
    born = identity.get("date_of_birth")
    if born is not None:
        if born > clock.today():
            raise field_error("date_of_birth", "The date of birth is in the future.")
        identity["date_of_birth"] = born.isoformat()
    merged = {"first_name": patient.first_name, "last_name": patient.last_name,
              "date_of_birth": patient.date_of_birth, **identity}
    born = date.fromisoformat(merged["date_of_birth"])
    duplicate_index = patient_duplicate_index(merged["last_name"], born)
    if duplicate_index != patient.duplicate_index and not confirm_new:
        _refuse_duplicates(actor, duplicate_index, other_than=patient.id,
                           detail=EDITED_INTO_A_MATCH)
    changed = edits.apply(patient, identity)
    patient.lookup_index = patient_lookup_index(merged["last_name"], born)
    patient.duplicate_index = duplicate_index
    return changed


def _patient(patient_id: int) -> Patient:
    patient = db.session.get(Patient, patient_id)
    if patient is None:
        raise NotFound("No such patient.")
    return patient


def read_patient(actor: Actor, patient_id: int) -> Patient:
    """Read a patient's record (a PHI read: audited)."""
    patient = _patient(patient_id)
    audit.record(actor, "patient.read", "patient", patient.id)
    return patient


def record_outside_medication(actor: Actor, patient_id: int, *, name: str, ingredient: str,
                              source: str, dose_mg_per_day: Decimal | None = None,
                              started_on: date | None = None,
                              stopped_on: date | None = None) -> OutsideMedication:
    """Record a medication the patient takes that this pharmacy did not fill."""
    patient = _patient(patient_id)
    medication = OutsideMedication(patient_id=patient.id, name=name, ingredient=ingredient,
                                   dose_mg_per_day=dose_mg_per_day, source=source,
                                   started_on=started_on, stopped_on=stopped_on)
    db.session.add(medication)
    db.session.flush()
    audit.record(actor, "outside_medication.recorded", "outside_medication", medication.id,
                 {"patient_id": patient.id})
    return medication


def _outside_medications(patient_id: int) -> sa.Select[OutsideMedication]:
    return (sa.select(OutsideMedication).where(OutsideMedication.patient_id == patient_id)
            .order_by(OutsideMedication.id))


def read_outside_medications(actor: Actor, patient_id: int, *, page: int = 1,
                             page_size: int | None = None) -> Page[OutsideMedication]:
    """The patient's outside medications in the order recorded, a page of ``page_size`` when
    given, else all (a PHI read: audited)."""
    patient = _patient(patient_id)
    audit.record(actor, "outside_medication.read", "patient", patient.id)
    return fetch_page(_outside_medications(patient.id), page=page, page_size=page_size)


def stop_outside_medication(actor: Actor, patient_id: int, medication_id: int, *,
                            stopped_on: date) -> OutsideMedication:
    """Record the day the patient stopped an outside medication."""
    medication = db.session.get(OutsideMedication, medication_id)
    if medication is None or medication.patient_id != patient_id:
        raise NotFound("No such outside medication for this patient.")
    if medication.started_on is not None and stopped_on < medication.started_on:
        raise field_error("stopped_on", "Must not be before the day it was started.")
    medication.stopped_on = stopped_on
    db.session.flush()
    audit.record(actor, "outside_medication.stopped", "outside_medication", medication.id,
                 {"patient_id": patient_id})
    return medication


def active_outside_medications(patient_id: int, on: date) -> list[OutsideMedication]:
    """The patient's outside medications not stopped by ``on`` (for DUR, inside a use case
    that audits its own reads)."""
    return [m for m in db.session.execute(_outside_medications(patient_id)).scalars()
            if m.active_on(on)]


def find_patients(actor: Actor | None, last_name: str, date_of_birth: date, *, page: int = 1,
                  page_size: int | None = None) -> Page[Patient]:
    """Patients with this last name and birth date, found through the blind index (a page
    of ``page_size`` when given, else every match)."""
    patients = fetch_page(
        sa.select(Patient).where(
            Patient.lookup_index == patient_lookup_index(last_name, date_of_birth))
        .order_by(Patient.id), page=page, page_size=page_size)
    audit.record(actor, "patient.searched", "patient", None, {"matches": patients.total})
    return patients


def create_prescriber(actor: Actor | None, *, first_name: str, last_name: str, npi: str,
                      dea_number: str | None = None, state_license: str | None = None,
                      specialty: str | None = None, address: str | None = None,
                      credential: str | None = None) -> Prescriber:
    """Register a prescriber after checking the NPI and DEA number."""
    dea_number = _check_prescriber_ids(npi, dea_number)
    prescriber = Prescriber(first_name=first_name, last_name=last_name, npi=npi,
                            dea_number=dea_number, state_license=state_license,
                            specialty=specialty, address=address, credential=credential)
    db.session.add(prescriber)
    db.session.flush()
    audit.record(actor, "prescriber.created", "prescriber", prescriber.id)
    return prescriber


def _check_prescriber_ids(npi: str, dea_number: str | None,
                          other_than: int | None = None) -> str | None:
    """Refuse an invalid or already registered NPI and an invalid DEA number; the DEA number
    as stored (upper case)."""
    errors: dict[str, list[str]] = {}
    if not npi_valid(npi):
        errors["npi"] = ["Not a valid NPI (10 digits with a correct check digit)."]
    elif db.session.execute(sa.select(Prescriber.id).where(
            Prescriber.npi == npi, Prescriber.id != other_than if other_than else sa.true())
    ).first():
        errors["npi"] = ["A prescriber with this NPI is already registered."]
    if dea_number is not None:
        dea_number = dea_number.strip().upper()
        if not dea_valid(dea_number):
            errors["dea_number"] = [
                "Not a valid prescriber DEA number (A/B/F/G/M, a letter or 9, 7 digits with "
                "a correct check digit)."]
    if errors:
        raise ValidationFailed(errors)
    return dea_number


PRESCRIBER_FIELDS = ("first_name", "last_name", "credential", "npi", "dea_number",
                     "state_license", "specialty", "address", "phone")


def edit_prescriber(actor: Actor, prescriber_id: int, *, reason: str | None = None,
                    **values: Any) -> Prescriber:
    """Correct a prescriber's details (each field sent is set; a null clears an optional
    one), the NPI and DEA number checked as at registration. Prescriptions already entered
    keep pointing to the prescriber, so labels and records made from now on show the new
    details. Audited as ``prescriber.edited`` with old and new values: a prescriber's
    public NPI record is no patient's information."""
    unknown = set(values) - set(PRESCRIBER_FIELDS)
    if unknown:
        raise TypeError(f"not prescriber fields: {sorted(unknown)}")
    prescriber = get_prescriber(prescriber_id)
    values["dea_number"] = _check_prescriber_ids(
        values.get("npi", prescriber.npi), values.get("dea_number", prescriber.dea_number),
        other_than=prescriber.id)
    changed = edits.apply(prescriber, values)
    db.session.flush()
    edits.record_edit(actor, "prescriber", prescriber.id, changed, phi_free=PRESCRIBER_FIELDS,
                      reason=reason)
    return prescriber


def get_prescriber(prescriber_id: int) -> Prescriber:
    """The prescriber, or NotFound."""
    prescriber = db.session.get(Prescriber, prescriber_id)
    if prescriber is None:
        raise NotFound("No such prescriber.")
    return prescriber
