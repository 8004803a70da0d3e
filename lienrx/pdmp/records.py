"""The one place the PDMP domain reads the system's records: which dispenses, revisions and
reversals a state's report for a date carries, turned into the writer's plain records.

What each record says comes from the records themselves: the patient's sex from the clinical
profile, the refill number and partial-fill indicator from the dispense's place in its fill,
each controlled compound ingredient from the batch's ingredient lots (NDC as recorded,
quantity in proportion to the batch), the fill date as dispensed (a late entry keeps its true
date). Staff accounts record no NPI, so DSP14 stays empty and DSP15 carries the licence.

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
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import defer, selectinload

from lienrx.cases.models import Case
from lienrx.compounding.models import CompoundingRecord, IngredientLot
from lienrx.core import clock
from lienrx.dispensing.models import Dispense
from lienrx.extensions import db
from lienrx.formulary import rules as formulary_rules
from lienrx.formulary.models import FormulationIngredient, Product
from lienrx.inventory.models import InventoryLot
from lienrx.parties.models import Patient
from lienrx.pdmp import asap
from lienrx.pdmp.models import PdmpReport, PdmpReportRecord
from lienrx.pdmp.profiles import Profile
from lienrx.prescribing import rules as rx_rules
from lienrx.prescribing.models import Prescription

SHIPPED = ("courier", "mail")  # delivery methods that take a fill to the patient's address
SEX_CODES = {"female": "F", "male": "M"}  # PAT19; unknown or not recorded: U
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
    """A record left out of a report, and the rule it breaks (ids only: no PHI).
    ``record_status`` says what it would have been: new (00), revision (01) or void (02)."""

    dispense_id: int
    rx_number: str
    problem: str
    record_status: str = asap.NEW

    def as_json(self) -> dict[str, Any]:
        return {"dispense_id": self.dispense_id, "rx_number": self.rx_number,
                "problem": self.problem, "record_status": self.record_status}


@dataclass(frozen=True)
class Entry:
    """One DSP record of a report: which dispense, what the record says, whether the
    dispense was a late entry, and the record's fingerprint (:func:`asap.fingerprint`)."""

    dispense_id: int
    record: asap.Dispensing
    late_entry: bool
    fingerprint: str

    @property
    def record_status(self) -> str:
        return self.record.status


@dataclass
class Selection:
    """What a report for a state and date carries, and what it had to leave out."""

    entries: list[Entry]
    problems: list[Problem]

    @property
    def unreported_dispenses(self) -> list[Problem]:
        """Problems of dispenses the state has not been told of at all (not revisions)."""
        return [p for p in self.problems if p.record_status != asap.REVISE]


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


def delivery_state(dispense: Dispense, patient_state: str | None,
                   pharmacy_state: str) -> str | None:
    """Where the fill went: the state recorded on a shipped dispense (``delivery_state``);
    for a mail or courier fill without one, the state of the patient's address; a fill picked
    up went out in the pharmacy's state. None when shipped to an address that does not parse."""
    if dispense.delivery_state:
        return dispense.delivery_state
    if dispense.delivery_method in SHIPPED:
        return patient_state
    return pharmacy_state


# --- values of a record -----------------------------------------------------------------

def _patient_sex(patient: Patient) -> str:
    """PAT19 from the clinical profile: F, M, or U when unknown or not recorded."""
    return SEX_CODES.get(patient.sex or "", "U")


def _refill_and_partial(dispense: Dispense) -> tuple[int, str]:
    """DSP06 refill number (0 = original) and DSP13 partial-fill indicator.

    ASAP 4.2 DSP13: ``00`` not a partial fill, ``01`` first partial, ``02`` second…
    (compliance.md §3.2; VistA's ``DSP13^PSOASAP0`` gives a whole fill 00 and a partial its
    own number). A dispense that begins its fill and by itself dispenses the fill's whole
    quantity is not a partial; any other (a fill going out in pieces, or closed short after
    less) is partial number ``partial_sequence`` of its fill.
    """
    drawn = next((Decimal(str(part["quantity"])) for part in dispense.fill_parts or ()
                  if int(part["refill_number"]) == dispense.refill_number),
                 Decimal(dispense.quantity))
    if dispense.partial_sequence == 1 and drawn >= Decimal(dispense.prescription.quantity):
        return dispense.refill_number, "00"
    return dispense.refill_number, f"{min(dispense.partial_sequence, 99):02d}"


def _controlled_lots(batches: Iterable[CompoundingRecord]) -> dict[int, list[IngredientLot]]:
    """By batch id, the ingredient lots its CDI segments report: the controlled ones, that
    is, scheduled in the formulation version the batch was made from, or taken from a
    received inventory lot (same NDC and lot number) that is controlled."""
    found = {batch.id: batch for batch in batches}
    if not found:
        return {}
    scheduled = {(formulation, component.lower()) for formulation, component in db.session.execute(
        sa.select(FormulationIngredient.formulation_id, FormulationIngredient.component)
        .where(FormulationIngredient.formulation_id.in_({b.formulation_id
                                                          for b in found.values()}),
               FormulationIngredient.dea_schedule.is_not(None)))}
    numbers = {lot.lot_number for batch in found.values() for lot in batch.ingredient_lots}
    stocked = {(ndc, number) for ndc, number in db.session.execute(
        sa.select(InventoryLot.ndc, InventoryLot.lot_number)
        .where(InventoryLot.lot_number.in_(numbers), InventoryLot.dea_schedule.is_not(None)))}
    return {batch.id: [lot for lot in batch.ingredient_lots
                       if (batch.formulation_id, lot.component.lower()) in scheduled
                       or (lot.ndc, lot.lot_number) in stocked]
            for batch in found.values()}


# --- reading ---------------------------------------------------------------------------

_LOADS = (defer(Dispense.label), defer(Dispense.dur_review),  # not reported: left undecrypted
          selectinload(Dispense.prescription).selectinload(Prescription.product),
          selectinload(Dispense.prescription).selectinload(Prescription.prescriber),
          selectinload(Dispense.compounding_record)
          .selectinload(CompoundingRecord.ingredient_lots),
          selectinload(Dispense.pharmacist))


def _live_reports(state: str) -> sa.Select[int]:
    return sa.select(PdmpReport.id).where(PdmpReport.state == state,
                                          PdmpReport.status != "rejected")


def _reported(state: str, *statuses: str) -> sa.Select[int]:
    """Dispenses carried with one of ``statuses`` by a live (not rejected) report of
    ``state``."""
    return (sa.select(PdmpReportRecord.dispense_id)
            .where(PdmpReportRecord.record_status.in_(statuses),
                   PdmpReportRecord.report_id.in_(_live_reports(state))))


def _reportable_fills(profile: Profile) -> Any:
    """Fills of the products ``profile``'s state could take under any state's rules: unreported
    fills are looked for among these only (each found is still judged by its own rule), so
    the pharmacy's years of uncontrolled fills are never read."""
    rules = [rx_rules.StateRule(), *rx_rules.STATE_RULES.values()]
    every = [rx_rules.stricter(one, other) for one in rules for other in rules]
    products = [product.id for product in db.session.execute(sa.select(Product)).scalars()
                if any(profile.in_scope(product.dea_schedule, list(product.dur_classes or []),
                                        rule) for rule in every)]
    return Dispense.prescription_id.in_(
        sa.select(Prescription.id).where(Prescription.product_id.in_(products)))


def _dispenses(*conditions: Any) -> list[Dispense]:
    return list(db.session.execute(
        sa.select(Dispense).options(*_LOADS).where(*conditions).order_by(Dispense.id)
    ).scalars())


@dataclass
class _Candidates:
    new: list[Dispense]
    voids: list[Dispense]
    reported: list[Dispense]  # standing dispenses the state was told of: revised if changed
    last_record: dict[int, PdmpReportRecord]  # what the state was last told (00 or 01)


def _candidates(profile: Profile, report_date: date) -> _Candidates:
    """For ``profile.state`` by the end of ``report_date``: dispenses not yet in a live
    report, reversals of reported dispenses not yet voided, and reported standing dispenses
    filled within the profile's revision window (SPEC §7.6, API.md "PDMP")."""
    end, state = end_of(report_date), profile.state
    standing = sa.or_(Dispense.status == "dispensed", Dispense.reversed_at >= end)
    told, voided = _reported(state, asap.NEW, asap.REVISE), _reported(state, asap.VOID)
    new = _dispenses(Dispense.created_at < end, Dispense.id.not_in(_reported(state, asap.NEW)),
                     standing, _reportable_fills(profile))
    voids = _dispenses(Dispense.status == "reversed", Dispense.reversed_at < end,
                       Dispense.id.in_(told), Dispense.id.not_in(voided))
    since = report_date - timedelta(days=profile.revision_window_days)
    new_ids = {d.id for d in new}
    reported = [d for d in _dispenses(standing, Dispense.dispensed_on >= since,
                                      Dispense.id.in_(told), Dispense.id.not_in(voided))
                if d.id not in new_ids]
    last: dict[int, PdmpReportRecord] = {}
    ids = [d.id for d in (*voids, *reported)]
    for chunk in range(0, len(ids), 1000):
        for record in db.session.execute(
                sa.select(PdmpReportRecord)
                .where(PdmpReportRecord.dispense_id.in_(ids[chunk:chunk + 1000]),
                       PdmpReportRecord.record_status.in_((asap.NEW, asap.REVISE)),
                       PdmpReportRecord.report_id.in_(_live_reports(state)))
                .order_by(PdmpReportRecord.id)).scalars():
            last[record.dispense_id] = record
    return _Candidates(new, voids, reported, last)


def _patients(case_ids: Iterable[int]) -> dict[int, Patient]:
    """Patients by case id."""
    rows = db.session.execute(
        sa.select(Case.id, Patient).join(Patient, Patient.id == Case.patient_id)
        .where(Case.id.in_(set(case_ids)))).all()
    return {case_id: patient for case_id, patient in rows}


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


def _ingredients(dispense: Dispense,
                 controlled: dict[int, list[IngredientLot]]) -> tuple[asap.Ingredient, ...]:
    """One CDI per controlled ingredient: its lot's NDC, and the amount of it in the
    dispensed quantity (the lot's amount × dispensed ÷ batch) in grams, mL or each."""
    batch = dispense.compounding_record
    if batch is None:
        return ()
    share = Decimal(dispense.quantity) / Decimal(batch.quantity)
    found = []
    for lot in controlled.get(batch.id, []):
        if not lot.ndc:
            raise Unreportable(f"compound ingredient {lot.component} (lot {lot.lot_number}) "
                               "has no NDC recorded")
        quantity, unit_code = _in_base_units(Decimal(lot.quantity) * share, lot.unit)
        found.append(asap.Ingredient(ndc=lot.ndc, quantity=quantity.quantize(Decimal("0.001")),
                                     unit_code=unit_code, description=lot.component))
    if not found:
        raise Unreportable("compound has no controlled ingredient to report")
    return tuple(found)


def _dispensing(dispense: Dispense, patient: asap.Patient, status: str, refill: int,
                partial: str, profile: Profile,
                controlled: dict[int, list[IngredientLot]]) -> asap.Dispensing:
    prescription = dispense.prescription
    product = prescription.product
    ingredients = _ingredients(dispense, controlled)
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
        pharmacist_license=pharmacist.license_number or "", ingredients=ingredients,
        additional=(asap.Additional(*_split_name(pharmacist.name))
                    if profile.requires_air else None))


def _split_name(name: str) -> tuple[str, str]:
    """(last, first) of a display name "First Last"."""
    first, _, last = name.strip().rpartition(" ")
    return (last, first) if first else (name.strip(), "")


def select(profile: Profile, report_date: date, pharmacy_state: str) -> Selection:
    """The records of ``profile.state``'s report for ``report_date``: every reportable
    dispense (new), reported dispense whose record changed since (revise) and reversal of a
    reported dispense (void) recorded by the end of that day and not yet in a live report.

    A dispense goes to the pharmacy's state, and to the patient's state when it was shipped
    there and that state's profile takes shipped-in dispenses; it is in scope when its
    product is controlled there (for the home report: in the pharmacy's or the patient's
    state, SPEC §7.6).
    """
    found = _candidates(profile, report_date)
    everything = [*found.new, *found.voids, *found.reported]
    patients = _patients(d.case_id for d in everything)
    controlled = _controlled_lots({d.compounding_record.id: d.compounding_record
                                   for d in everything if d.compounding_record}.values())
    home = profile.state == pharmacy_state
    entries: list[Entry] = []
    problems: list[Problem] = []
    work = [*((d, asap.NEW) for d in found.new), *((d, asap.VOID) for d in found.voids),
            *((d, asap.REVISE) for d in found.reported)]
    for dispense, status in work:
        earlier = found.last_record.get(dispense.id)
        if status == asap.REVISE and (earlier is None or earlier.record_sha256 is None):
            continue  # reported before fingerprints were kept: nothing to compare
        label = rx_number(dispense.prescription_id)
        try:
            patient, address = _patient(patients[dispense.case_id])
        except Unreportable as why:
            if _concerns(dispense, profile, pharmacy_state, None, home):
                problems.append(_problem(dispense.id, label, str(why), status))
            continue
        if not _concerns(dispense, profile, pharmacy_state, address.state, home):
            continue
        try:
            refill, partial = ((earlier.refill_number, earlier.partial_fill)
                               if status == asap.VOID and earlier is not None
                               else _refill_and_partial(dispense))
            record = _dispensing(dispense, patient, status, refill, partial, profile,
                                 controlled)
        except Unreportable as why:
            problems.append(_problem(dispense.id, label, str(why), status))
            continue
        digest = asap.fingerprint(record)
        if status == asap.REVISE and earlier is not None and earlier.record_sha256 == digest:
            continue
        entries.append(Entry(dispense.id, record, dispense.late_entry, digest))
    return Selection(entries, problems)


def _problem(dispense_id: int, label: str, why: str, status: str) -> Problem:
    if status == asap.REVISE:
        why = f"changed since it was reported, but cannot be sent as a revision: {why}"
    return Problem(dispense_id, label, why, status)


def _concerns(dispense: Dispense, profile: Profile, pharmacy_state: str,
              patient_state: str | None, home: bool) -> bool:
    """Whether this state's report takes the dispense (its scope and its residents)."""
    product = dispense.prescription.product
    if home:
        rule = rx_rules.state_rule(pharmacy_state, patient_state)
    else:
        shipped_here = delivery_state(dispense, patient_state, pharmacy_state) == profile.state
        if not (profile.reports_shipped_in and shipped_here):
            return False
        rule = rx_rules.state_rule(profile.state)
    return profile.in_scope(product.dea_schedule, list(product.dur_classes or []), rule)
