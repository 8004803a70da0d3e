"""Law firms, patients and prescribers."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from lienrx.audit import services as audit
from lienrx.core import clock, crypto
from lienrx.core.actors import Actor
from lienrx.core.errors import NotFound, ValidationFailed, field_error
from lienrx.core.identifiers import dea_valid, npi_valid
from lienrx.core.paging import Page, fetch_page
from lienrx.extensions import db
from lienrx.parties.models import LawFirm, Patient, Prescriber


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


def create_patient(actor: Actor | None, *, first_name: str, last_name: str, date_of_birth: date,
                   phone: str | None = None, email: str | None = None,
                   address: str | None = None) -> Patient:
    """Register a patient; every identifying field is encrypted at rest."""
    if date_of_birth > clock.today():
        raise field_error("date_of_birth", "The date of birth is in the future.")
    patient = Patient(first_name=first_name, last_name=last_name,
                      date_of_birth=date_of_birth.isoformat(), phone=phone, email=email,
                      address=address,
                      lookup_index=patient_lookup_index(last_name, date_of_birth))
    db.session.add(patient)
    db.session.flush()
    audit.record(actor, "patient.created", "patient", patient.id)
    return patient


def read_patient(actor: Actor, patient_id: int) -> Patient:
    """Read a patient's record (a PHI read: audited)."""
    patient = db.session.get(Patient, patient_id)
    if patient is None:
        raise NotFound("No such patient.")
    audit.record(actor, "patient.read", "patient", patient.id)
    return patient


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
    errors: dict[str, list[str]] = {}
    if not npi_valid(npi):
        errors["npi"] = ["Not a valid NPI (10 digits with a correct check digit)."]
    elif db.session.execute(sa.select(Prescriber.id).where(Prescriber.npi == npi)).first():
        errors["npi"] = ["A prescriber with this NPI is already registered."]
    if dea_number is not None:
        dea_number = dea_number.strip().upper()
        if not dea_valid(dea_number):
            errors["dea_number"] = [
                "Not a valid prescriber DEA number (A/B/F/G/M, a letter or 9, 7 digits with "
                "a correct check digit)."]
    if errors:
        raise ValidationFailed(errors)
    prescriber = Prescriber(first_name=first_name, last_name=last_name, npi=npi,
                            dea_number=dea_number, state_license=state_license,
                            specialty=specialty, address=address, credential=credential)
    db.session.add(prescriber)
    db.session.flush()
    audit.record(actor, "prescriber.created", "prescriber", prescriber.id)
    return prescriber


def get_prescriber(prescriber_id: int) -> Prescriber:
    """The prescriber, or NotFound."""
    prescriber = db.session.get(Prescriber, prescriber_id)
    if prescriber is None:
        raise NotFound("No such prescriber.")
    return prescriber
