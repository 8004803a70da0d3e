"""Enter, read and cancel prescriptions; lock them and record fills for dispensing."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload

from lienrx.audit import services as audit
from lienrx.cases import rules as case_rules
from lienrx.cases import services as cases
from lienrx.core import clock, locks
from lienrx.core.actors import Actor, actor_id
from lienrx.core.errors import Conflict, NotFound, ValidationFailed
from lienrx.extensions import db
from lienrx.formulary.models import Product
from lienrx.parties.models import Prescriber
from lienrx.prescribing import dose as dose_rules
from lienrx.prescribing import fills, rules
from lienrx.prescribing.dose import Dose
from lienrx.prescribing.models import Prescription


def effective_status(prescription: Prescription, on_date: date | None = None) -> str:
    """The status on a date: an active prescription past its ``expires_on`` is `expired`."""
    on_date = on_date or clock.today()
    if prescription.status == "active" and on_date > prescription.expires_on:
        return "expired"
    return prescription.status


def _diagnosis_codes(codes: list[str], case: Any, errors: dict[str, Any]) -> list[str]:
    """The codes normalised: at least one, each one of the case's diagnoses (else errors)."""
    cleaned, malformed = [], {}
    for i, raw in enumerate(codes):
        code = case_rules.normalize_icd10(raw)
        problem = case_rules.icd10_problem(code)
        if problem:
            malformed[str(i)] = [problem]
        elif code not in cleaned:
            cleaned.append(code)
    if malformed:
        errors["diagnosis_codes"] = malformed
        return cleaned
    on_case = [d.icd10 for d in case.diagnoses]
    foreign = [code for code in cleaned if code not in on_case]
    if not cleaned:
        errors["diagnosis_codes"] = ["Name at least one of the case's diagnoses."]
    elif foreign:
        errors["diagnosis_codes"] = [
            f"{code} is not one of this case's diagnoses ({', '.join(on_case) or 'none'})."
            for code in foreign]
    return cleaned


def _dose_and_sig(sig: str | None, dose: Dose | None, product: Product,
                  errors: dict[str, Any]) -> str:
    """The sig as typed, checked against the dose, or written from it when left empty."""
    if dose is not None:
        problem = dose_rules.unit_problem(dose.unit, product)
        if problem:
            errors["dose"] = {"unit": [problem]}
            return sig or ""
    if not sig:
        if dose is None:
            errors["sig"] = ["Give the directions, or a dose to write them from."]
            return ""
        return dose_rules.sig_for(dose, product)
    problem = dose_rules.sig_problem(sig, dose, product) if dose is not None else None
    if problem:
        errors["sig"] = [problem]
    return sig


def _load_parties(actor: Actor | None, case_id: int, prescriber_id: int,
                  product_id: int) -> tuple[Any, Prescriber, Product]:
    errors: dict[str, list[str]] = {}
    try:
        case = cases.get_case(actor, case_id)
    except NotFound:
        case = None
        errors["case_id"] = ["No such case."]
    prescriber = db.session.get(Prescriber, prescriber_id)
    if prescriber is None:
        errors["prescriber_id"] = ["No such prescriber."]
    product = db.session.get(Product, product_id)
    if product is None or not product.active:
        errors["product_id"] = ["No such product on the formulary."]
    if errors:
        raise ValidationFailed(errors)
    assert case is not None and prescriber is not None and product is not None  # noqa: S101
    return case, prescriber, product


def order_problems(schedule: str, prescriber: Prescriber, *, refills_authorized: int,
                   source: str | None, written_on: date, errors: dict[str, Any]) -> None:
    """Add to ``errors`` what the schedule's rules refuse in an order (refills, source, the
    prescriber's DEA number) and a written date in the future."""
    rule = rules.SCHEDULE_RULES[schedule]
    if rule.max_refills is not None and refills_authorized > rule.max_refills:
        errors["refills_authorized"] = [
            f"Schedule {schedule} allows at most {rule.max_refills} refills."]
    if source in rule.refused_sources:
        errors["source"] = [f"A Schedule {schedule} prescription cannot be a {source} order: "
                             "it needs a written or electronic prescription."]
    if rule.requires_dea and not prescriber.dea_number:
        errors["prescriber_id"] = [
            f"A Schedule {schedule} product needs a prescriber with a DEA number."]
    if written_on > clock.today():
        errors["written_on"] = ["The written date is in the future."]


def structured_dose(dose: Mapping[str, Any] | None) -> Dose | None:
    """The structured dose of a loaded ``{amount, unit, times_per_day}``, if any."""
    return None if dose is None else Dose(
        Decimal(dose["amount"]), dose["unit"], Decimal(dose["times_per_day"]))


def create_prescription(actor: Actor | None, *, case_id: int, prescriber_id: int, product_id: int,
                        quantity: Decimal, days_supply: int, written_on: date,
                        sig: str | None = None, indication: str | None = None,
                        diagnosis_codes: list[str] | None = None,
                        dose: Mapping[str, Any] | None = None, refills_authorized: int = 0,
                        source: str | None = None) -> Prescription:
    """Enter a prescription after the DEA schedule and state rules; compute ``expires_on``.

    It names the case's diagnoses it treats and the prescriber's stated ``indication``;
    ``dose`` (``{amount, unit, times_per_day}``) writes the sig when none is typed and is
    checked against a typed one.
    """
    case, prescriber, product = _load_parties(actor, case_id, prescriber_id, product_id)
    cases.refuse_if_closed(case, "no new prescriptions")
    # The pharmacy's state, never the case's venue. A fill shipped to another state would add
    # that state (rules.state_rule's delivery_state); a dispense has no shipping address yet.
    state = rules.state_rule(current_app.config["LIENRX_PHARMACY_STATE"])
    schedule = rules.effective_schedule(product.dea_schedule, product.dur_classes or [], state)
    errors: dict[str, Any] = {}
    order_problems(schedule, prescriber, refills_authorized=refills_authorized, source=source,
                   written_on=written_on, errors=errors)
    codes = _diagnosis_codes(diagnosis_codes or [], case, errors)
    indication = (indication or "").strip()
    if not indication:
        errors["indication"] = ["Give the prescriber's stated reason for this prescription."]
    structured = structured_dose(dose)
    sig = _dose_and_sig((sig or "").strip(), structured, product, errors)
    if errors:
        raise ValidationFailed(errors)
    prescription = Prescription(
        case_id=case.id, prescriber_id=prescriber.id, product_id=product.id, sig=sig,
        quantity=quantity, days_supply=days_supply, refills_authorized=refills_authorized,
        written_on=written_on, expires_on=rules.expires_on(schedule, written_on, state),
        schedule=schedule, diagnosis_codes=codes, indication=indication,
        dose_amount=structured.amount if structured else None,
        dose_unit=structured.unit if structured else None,
        dose_times_per_day=structured.times_per_day if structured else None,
        source=source, status="active", quantity_dispensed=Decimal(0), fills_dispensed=0,
        quantity_forfeited=Decimal(0),
        entered_by_user_id=actor_id(actor))
    db.session.add(prescription)
    db.session.flush()
    audit.record(actor, "prescription.created", "prescription", prescription.id,
                 {"case_id": case.id, "product_id": product.id, "schedule": schedule})
    return prescription


def get_prescription(prescription_id: int) -> Prescription:
    """The prescription, or NotFound."""
    prescription = db.session.get(Prescription, prescription_id)
    if prescription is None:
        raise NotFound("No such prescription.")
    return prescription


def case_of(prescription_id: int) -> int | None:
    """The case a prescription is on, or None when there is no such prescription."""
    return db.session.scalar(sa.select(Prescription.case_id)
                             .where(Prescription.id == prescription_id))


def read_prescription(actor: Actor, prescription_id: int) -> Prescription:
    """Read a prescription (a PHI read: audited)."""
    prescription = get_prescription(prescription_id)
    cases.get_case(actor, prescription.case_id)  # attorneys: their own firm's cases only
    audit.record(actor, "prescription.read", "prescription", prescription.id)
    return prescription


def prescriptions_for_case(case_id: int, statuses: tuple[str, ...] = ("active",)) -> list[
        Prescription]:
    """A case's prescriptions with one of the stored ``statuses``, oldest first."""
    return list(db.session.execute(
        sa.select(Prescription).where(Prescription.case_id == case_id,
                                      Prescription.status.in_(statuses))
        .options(joinedload(Prescription.product, innerjoin=True))
        .order_by(Prescription.id)).scalars())


def cancel_prescription(actor: Actor | None, prescription_id: int, reason: str) -> Prescription:
    """Cancel an active prescription; nothing more may be filled from it."""
    prescription = lock_prescription(prescription_id)
    status = effective_status(prescription)
    if status != "active":
        raise Conflict("invalid_transition", f"A prescription that is {status} cannot be "
                                             "cancelled.")
    prescription.status = "cancelled"
    prescription.cancel_reason = reason
    prescription.cancelled_at = clock.utcnow()
    prescription.cancelled_by_user_id = actor_id(actor)
    db.session.flush()
    audit.record(actor, "prescription.cancelled", "prescription", prescription.id)
    return prescription


def lock_prescription(prescription_id: int) -> Prescription:
    """Load a prescription FOR UPDATE (row lock until commit), or NotFound.

    Lock the case first, if at all (``lienrx.core.locks.ORDER``).
    """
    prescription = locks.lock(
        sa.select(Prescription).where(Prescription.id == prescription_id)
        .options(joinedload(Prescription.product, innerjoin=True),
                 joinedload(Prescription.prescriber, innerjoin=True)), Prescription)
    if prescription is None:
        raise NotFound("No such prescription.")
    return prescription


def record_fill(prescription: Prescription, plan: fills.FillPlan,
                on_date: date | None = None) -> int:
    """Count a planned dispense against a locked prescription; return its fill number (the
    running sequence of dispenses on the prescription).

    Refuses an expired or cancelled prescription and anything beyond quantity × (1 +
    refills); the prescription becomes `exhausted` when nothing remains.
    """
    status = effective_status(prescription, on_date)
    if status == "expired":
        raise Conflict("prescription_expired",
                       f"The prescription could be filled until {prescription.expires_on}.")
    if status == "cancelled":
        raise Conflict("invalid_transition", "The prescription was cancelled.")
    quantity = sum((part.quantity for part in plan.parts), Decimal(0))
    if status == "exhausted" or quantity > prescription.quantity_remaining:
        raise Conflict("refills_exhausted", "Not enough remains on this prescription.")
    fills.take(prescription, plan)
    prescription.quantity_dispensed = Decimal(prescription.quantity_dispensed) + quantity
    prescription.fills_dispensed += 1
    _mark_exhausted(prescription)
    return prescription.fills_dispensed


def _mark_exhausted(prescription: Prescription) -> None:
    """`exhausted` when nothing remains; an exhausted prescription with some left reopens."""
    if prescription.status == "active" and prescription.quantity_remaining <= 0:
        prescription.status = "exhausted"
    elif prescription.status == "exhausted" and prescription.quantity_remaining > 0:
        prescription.status = "active"
    db.session.flush()


def reverse_fill(prescription: Prescription, parts: list[fills.Part]) -> None:
    """Give a reversed dispense's quantity back to its fills (a fill closed short forfeits
    it instead); an exhausted prescription with quantity again reopens."""
    quantity = sum((part.quantity for part in parts), Decimal(0))
    forfeited = fills.give_back(prescription, parts)
    prescription.quantity_dispensed = max(
        Decimal(0), Decimal(prescription.quantity_dispensed) - quantity)
    prescription.quantity_forfeited = Decimal(prescription.quantity_forfeited) + forfeited
    _mark_exhausted(prescription)


def close_fill(actor: Actor, prescription_id: int, reason: str) -> Prescription:
    """Close the fill in progress short (pharmacist): the rest of that fill is forfeited and
    the next dispense starts the next fill."""
    prescription = lock_prescription(prescription_id)
    cases.get_case(actor, prescription.case_id)
    status = effective_status(prescription)
    if status != "active":
        raise Conflict("invalid_transition",
                       f"A prescription that is {status} has no fill to close.")
    forfeited = fills.close_short(prescription, actor_id(actor), reason)
    prescription.quantity_forfeited = Decimal(prescription.quantity_forfeited) + forfeited
    _mark_exhausted(prescription)
    audit.record(actor, "prescription.fill_closed", "prescription", prescription.id,
                 {"forfeited": str(forfeited)})
    return prescription
