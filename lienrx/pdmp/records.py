"""The one place the PDMP domain reads the system's records: which dispenses and reversals a
state's report for a date carries, turned into the writer's plain records.

Values the records do not hold yet come through small named functions (``_patient_sex``,
``_refill_and_partial``, ``_controlled_ingredients``, ``_ingredient_ndc``,
``_pharmacist_npi``): each body computes the best honest value from today's records, and is
the one place to change when the record gains the field.

A record that cannot be reported correctly (no usable patient address, a controlled
dispense whose prescriber has no DEA number, a compound ingredient without an NDC) is left
out of the file and listed as a :class:`Problem`; the file itself is always well formed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from lienrx.auth.models import User
from lienrx.cases.models import Case
from lienrx.compounding.models import CompoundingRecord, IngredientLot
from lienrx.core import clock
from lienrx.dispensing.models import Dispense
from lienrx.extensions import db
from lienrx.formulary import rules as formulary_rules
from lienrx.parties.models import Patient
from lienrx.pdmp import asap
from lienrx.pdmp.models import PdmpReport, PdmpReportRecord
from lienrx.pdmp.profiles import Profile
from lienrx.prescribing import rules as rx_rules
from lienrx.prescribing.models import Prescription

SHIPPED = ("courier", "mail")
# "street, city, ST 12345[-6789]", the street possibly over several lines or commas.
_ADDRESS = re.compile(r"^(?P<street>.+),\s*(?P<city>[^,]+?),\s*(?P<state>[A-Za-z]{2})\s+"
                      r"(?P<zip>\d{5})(?:-?(?P<plus4>\d{4}))?$")
_BASE_UNITS = (("03", formulary_rules.MASS), ("02", formulary_rules.VOLUME),
               ("01", formulary_rules.COUNT))


@dataclass(frozen=True)
class Address:
    """A postal address split for the PAT/PHA segments."""

    street: str
    city: str
    state: str
    zip: str


@dataclass(frozen=True)
class Problem:
    """A record left out of a report, and the rule it breaks (ids only: no PHI)."""

    dispense_id: int
    rx_number: str
    problem: str


@dataclass(frozen=True)
class Entry:
    """One DSP record of a report and what it reports of which dispense."""

    dispense_id: int
    record: asap.Dispensing

    @property
    def record_status(self) -> str:
        return self.record.status


@dataclass
class Selection:
    """What a report for a state and date carries, and what it had to leave out."""

    entries: list[Entry]
    problems: list[Problem]


class Unreportable(ValueError):
    """The record breaks a reporting rule; the message names it."""


def parse_address(text: str | None) -> Address | None:
    """Split "street, city, ST ZIP" (lines may stand for commas); None when it does not fit."""
    if not text:
        return None
    flat = ", ".join(part.strip() for part in re.split(r"[\r\n]+", text.strip()) if part.strip())
    found = _ADDRESS.match(flat)
    if found is None:
        return None
    zip_code = found["zip"] + (found["plus4"] or "")
    return Address(found["street"].strip(), found["city"].strip(), found["state"].upper(),
                   zip_code)


def end_of(day: date) -> datetime:
    """The first moment after the pharmacy's local ``day``, as an aware datetime."""
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=clock.timezone())


def rx_number(prescription_id: int) -> str:
    """The prescription number as printed on the label."""
    return f"RX{prescription_id:07d}"


# --- values the records do not hold yet: one function each -------------------------------

def _patient_sex(patient: Patient) -> str:
    """PAT19: F, M or U. The patient profile records no sex yet, so: U (unknown)."""
    return "U"


def _refill_and_partial(dispense: Dispense, fills: list[Dispense]) -> tuple[int, str]:
    """DSP06 refill number (0 = original) and DSP13 partial-fill indicator (00, 01, 02…).

    Derived from fill order: each prescription quantity's worth of earlier fills (reversed
    ones not counted) is one fill of the original or a refill; a fill that does not dispense
    a whole quantity from its start is a partial, numbered within that fill.
    """
    per_fill = Decimal(dispense.prescription.quantity)
    before, bucket, in_bucket = Decimal(0), 0, 0
    for fill in sorted(fills, key=lambda f: f.fill_number):
        if fill.fill_number >= dispense.fill_number:
            break
        if fill.status != "dispensed":
            continue
        started_in = int(before // per_fill)
        if started_in != bucket:
            bucket, in_bucket = started_in, 0
        in_bucket += 1
        before += Decimal(fill.quantity)
    refill = int(before // per_fill)
    if refill != bucket:
        in_bucket = 0
    if before == refill * per_fill and Decimal(dispense.quantity) >= per_fill:
        return refill, "00"
    return refill, f"{min(in_bucket + 1, 99):02d}"


def _controlled_ingredients(record: CompoundingRecord) -> list[IngredientLot]:
    """The ingredient lots a compound's CDI segments report.

    Ingredients carry no schedule of their own yet; the controlled substance of a controlled
    compound is its active ingredient, so: the lots in the ``api`` role.
    """
    return [lot for lot in record.ingredient_lots if lot.role == "api"]


def _ingredient_ndc(lot: IngredientLot) -> str | None:
    """The 11-digit NDC of an ingredient lot. Compounding records do not record it yet (the
    inventory lot will), so: unknown, and the dispense is listed as a problem."""
    return None


def _pharmacist_npi(pharmacist: User) -> str:
    """DSP14. Staff accounts record no NPI, so empty; DSP15 carries the licence."""
    return ""


# --- reading ---------------------------------------------------------------------------

def _live_reports() -> sa.Select[int]:
    return sa.select(PdmpReport.id).where(PdmpReport.status != "rejected")


def _reported(status: str) -> sa.Select[int]:
    """Dispenses carried with ``status`` by a report that was not rejected."""
    return (sa.select(PdmpReportRecord.dispense_id)
            .where(PdmpReportRecord.record_status == status,
                   PdmpReportRecord.report_id.in_(_live_reports())))


def _candidates(report_date: date) -> tuple[list[Dispense], list[Dispense]]:
    """(dispenses to report as new, reversals of reported dispenses to void), recorded up
    to the end of ``report_date`` and not yet in a live report."""
    end = end_of(report_date)
    loads = (selectinload(Dispense.prescription).selectinload(Prescription.product),
             selectinload(Dispense.prescription).selectinload(Prescription.prescriber),
             selectinload(Dispense.compounding_record)
             .selectinload(CompoundingRecord.ingredient_lots),
             selectinload(Dispense.pharmacist))
    new = db.session.execute(
        sa.select(Dispense).options(*loads)
        .where(Dispense.created_at < end, Dispense.id.not_in(_reported("00")),
               sa.or_(Dispense.status == "dispensed", Dispense.reversed_at >= end))
        .order_by(Dispense.id)).scalars().all()
    voids = db.session.execute(
        sa.select(Dispense).options(*loads)
        .where(Dispense.status == "reversed", Dispense.reversed_at < end,
               Dispense.id.in_(_reported("00")), Dispense.id.not_in(_reported("02")))
        .order_by(Dispense.id)).scalars().all()
    return list(new), list(voids)


def _patients(case_ids: Iterable[int]) -> dict[int, Patient]:
    """Patients by case id."""
    rows = db.session.execute(
        sa.select(Case.id, Patient).join(Patient, Patient.id == Case.patient_id)
        .where(Case.id.in_(set(case_ids)))).all()
    return {case_id: patient for case_id, patient in rows}


def _fills(prescription_ids: Iterable[int]) -> dict[int, list[Dispense]]:
    fills: dict[int, list[Dispense]] = {}
    for fill in db.session.execute(sa.select(Dispense).where(
            Dispense.prescription_id.in_(set(prescription_ids)))).scalars():
        fills.setdefault(fill.prescription_id, []).append(fill)
    return fills


def _earlier_report(dispense_id: int) -> PdmpReportRecord:
    """How a dispense was reported as new (a void repeats its refill and partial values)."""
    return db.session.execute(
        sa.select(PdmpReportRecord).where(PdmpReportRecord.dispense_id == dispense_id,
                                          PdmpReportRecord.record_status == "00",
                                          PdmpReportRecord.report_id.in_(_live_reports()))
        .order_by(PdmpReportRecord.id.desc()).limit(1)).scalar_one()


# --- building --------------------------------------------------------------------------

def _patient(patient: Patient) -> tuple[asap.Patient, Address]:
    address = parse_address(patient.address)
    if address is None:
        raise Unreportable("patient address missing or not in 'street, city, ST ZIP' form")
    born = date.fromisoformat(patient.date_of_birth)
    return asap.Patient(last_name=patient.last_name, first_name=patient.first_name,
                        address=address.street, city=address.city, state=address.state,
                        zip=address.zip, date_of_birth=born, sex=_patient_sex(patient),
                        phone=patient.phone or ""), address


def _prescriber(prescription: Prescription) -> asap.Prescriber:
    doctor = prescription.prescriber
    if not doctor.dea_number:
        raise Unreportable("prescriber has no DEA number on a controlled dispense")
    return asap.Prescriber(npi=doctor.npi, dea=doctor.dea_number, last_name=doctor.last_name,
                           first_name=doctor.first_name, state_license=doctor.state_license or "")


def _in_base_units(quantity: Decimal, unit: str) -> tuple[Decimal, str]:
    for code, units in _BASE_UNITS:
        if unit in units:
            return quantity * Decimal(units[unit]), code
    raise Unreportable(f"ingredient unit {unit!r} has no ASAP dosage-units code")


def _ingredients(dispense: Dispense) -> tuple[asap.Ingredient, ...]:
    batch = dispense.compounding_record
    if batch is None:
        return ()
    share = Decimal(dispense.quantity) / Decimal(batch.quantity)
    found = []
    for lot in _controlled_ingredients(batch):
        ndc = _ingredient_ndc(lot)
        if not ndc:
            raise Unreportable(f"compound ingredient {lot.component} (lot {lot.lot_number}) "
                               "has no NDC recorded")
        quantity, unit_code = _in_base_units(Decimal(lot.quantity) * share, lot.unit)
        found.append(asap.Ingredient(ndc=ndc, quantity=quantity.quantize(Decimal("0.001")),
                                     unit_code=unit_code, description=lot.component))
    if not found:
        raise Unreportable("compound has no controlled ingredient to report")
    return tuple(found)


def _dispensing(dispense: Dispense, patient: asap.Patient, status: str, refill: int,
                partial: str, profile: Profile) -> asap.Dispensing:
    prescription = dispense.prescription
    product = prescription.product
    ingredients = _ingredients(dispense)
    qualifier, product_id = ((asap.COMPOUND_QUALIFIER, asap.COMPOUND_PRODUCT_ID)
                             if ingredients else (asap.NDC_QUALIFIER, dispense.ndc or ""))
    if not product_id:
        raise Unreportable("dispense has no NDC")
    pharmacist = dispense.pharmacist
    return asap.Dispensing(
        status=status, rx_number=rx_number(prescription.id), written_on=prescription.written_on,
        refills_authorized=prescription.refills_authorized, filled_on=dispense.dispensed_on,
        refill_number=refill, product_qualifier=qualifier, product_id=product_id,
        quantity=Decimal(dispense.quantity), days_supply=dispense.days_supply,
        unit_code=asap.UNIT_CODES[product.unit], origin_code=profile.origin_code(
            prescription.source), partial_fill=partial, payment_type=profile.lien_payment_code,
        patient=patient, prescriber=_prescriber(prescription),
        pharmacist_npi=_pharmacist_npi(pharmacist),
        pharmacist_license=pharmacist.license_number or "", ingredients=ingredients,
        additional=(asap.Additional(*_split_name(pharmacist.name))
                    if profile.requires_air else None))


def _split_name(name: str) -> tuple[str, str]:
    """(last, first) of a display name "First Last"."""
    first, _, last = name.strip().rpartition(" ")
    return (last, first) if first else (name.strip(), "")


def select(profile: Profile, report_date: date, pharmacy_state: str) -> Selection:
    """The records of ``profile.state``'s report for ``report_date``: every reportable
    dispense and reversal recorded by the end of that day and not yet in a live report.

    A dispense goes to the pharmacy's state, and to the patient's state when it was shipped
    there and that state's profile takes shipped-in dispenses; it is in scope when its
    product is controlled there (for the home report: in the pharmacy's or the patient's
    state, SPEC §7.6).
    """
    new, voids = _candidates(report_date)
    everything = [*new, *voids]
    patients = _patients(d.case_id for d in everything)
    fills = _fills(d.prescription_id for d in new)
    home = profile.state == pharmacy_state
    entries: list[Entry] = []
    problems: list[Problem] = []
    for dispense, is_void in [*((d, False) for d in new), *((d, True) for d in voids)]:
        try:
            patient, address = _patient(patients[dispense.case_id])
        except Unreportable as why:
            if _concerns(dispense, profile, pharmacy_state, None, home):
                problems.append(Problem(dispense.id, rx_number(dispense.prescription_id),
                                        str(why)))
            continue
        if not _concerns(dispense, profile, pharmacy_state, address.state, home):
            continue
        try:
            if is_void:
                earlier = _earlier_report(dispense.id)
                refill, partial = earlier.refill_number, earlier.partial_fill
            else:
                refill, partial = _refill_and_partial(
                    dispense, fills.get(dispense.prescription_id, []))
            record = _dispensing(dispense, patient, asap.VOID if is_void else asap.NEW,
                                 refill, partial, profile)
        except Unreportable as why:
            problems.append(Problem(dispense.id, rx_number(dispense.prescription_id), str(why)))
            continue
        entries.append(Entry(dispense.id, record))
    return Selection(entries, problems)


def _concerns(dispense: Dispense, profile: Profile, pharmacy_state: str,
              patient_state: str | None, home: bool) -> bool:
    """Whether this state's report takes the dispense (its scope and its residents)."""
    product = dispense.prescription.product
    if home:
        rule = rx_rules.state_rule(pharmacy_state, patient_state)
    else:
        shipped_here = (dispense.delivery_method in SHIPPED and patient_state == profile.state)
        if not (profile.reports_shipped_in and shipped_here):
            return False
        rule = rx_rules.state_rule(profile.state)
    return profile.in_scope(product.dea_schedule, list(product.dur_classes or []), rule)
