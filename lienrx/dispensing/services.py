"""Dispense at $0 against the lien, and reverse a dispense: one transaction each."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload

from lienrx.audit import services as audit
from lienrx.cases import rules as case_rules
from lienrx.cases import services as cases
from lienrx.cases.models import Case
from lienrx.cases.rules import DISPENSES
from lienrx.compounding import services as compounding
from lienrx.compounding.models import CompoundingRecord
from lienrx.core import clock, locks
from lienrx.core.actors import Actor
from lienrx.core.errors import Conflict, Forbidden, NotFound, ValidationFailed, field_error
from lienrx.core.identifiers import normalize_ndc
from lienrx.core.money import round_cents
from lienrx.core.schemas import plain_number
from lienrx.core.security import PHARMACIST
from lienrx.dispensing import stock, supplies
from lienrx.dispensing.labels import build_label, initial_fill_on
from lienrx.dispensing.models import REVERSAL_MEMO, Dispense
from lienrx.dur import codes as dur_codes
from lienrx.dur import services as dur
from lienrx.dur.engine import Medication
from lienrx.dur.models import DurAlert
from lienrx.extensions import db
from lienrx.formulary import services as formulary
from lienrx.formulary.models import Product
from lienrx.formulary.services import price_on
from lienrx.ledger import queries as ledger_queries
from lienrx.ledger import services as ledger
from lienrx.ledger.models import MEMO_LENGTH, JournalEntry
from lienrx.outbox import services as outbox
from lienrx.prescribing import dose as rx_dose
from lienrx.prescribing import fills
from lienrx.prescribing import rules as rx_rules
from lienrx.prescribing import services as prescribing
from lienrx.prescribing.models import Prescription

# How the charge's memo marks a rule a pharmacist overrode (short: the memo holds 500).
OVERRIDE_MARKS = {"refill_too_soon": "early refill override", "bud": "BUD override"}


class DurUnresolved(Conflict):
    """High-severity DUR alerts still need a pharmacist's resolution.

    The alerts found (and any resolutions sent) are kept, so a resend can name their ids.
    """

    keeps_facts = True

    def __init__(self, alerts: list[DurAlert]) -> None:
        super().__init__(
            "dur_unresolved",
            f"{len(alerts)} high-severity DUR alert(s) need a pharmacist's resolution.",
            alerts=[{"id": a.id, "kind": a.kind, "severity": a.severity, "message": a.message}
                    for a in alerts])


@dataclass(frozen=True)
class DispenseRequest:
    """What the pharmacist asks to dispense (the API body, validated)."""

    prescription_id: int
    quantity: Decimal
    days_supply: int
    dispensed_on: date | None = None
    compounding_record_id: int | None = None
    ndc: str | None = None
    lot_number: str | None = None
    lot_expiration_date: date | None = None
    delivery_method: str | None = None
    delivery_state: str | None = None
    dur_resolutions: tuple[tuple[int, dur.Resolution], ...] = ()
    refill_override_reason: str | None = None
    bud_override_reason: str | None = None
    late_entry_reason: str | None = None
    medguide_provided: bool = False
    combine_refills: bool = False

    @classmethod
    def from_loaded(cls, body: dict[str, Any]) -> DispenseRequest:
        """Build from the output of ``DispenseCreateSchema`` (the API body or the page form)."""
        body = dict(body)
        override = body.pop("override_refill_too_soon", None)
        bud_override = body.pop("bud_override", None)
        resolutions = tuple((r["alert_id"], dur.Resolution.from_loaded(r))
                            for r in body.pop("dur_resolutions", ()))
        return cls(**body, dur_resolutions=resolutions,
                   refill_override_reason=override["reason"] if override else None,
                   bud_override_reason=bud_override["reason"] if bud_override else None)


def _fill_date(actor: Actor, request: DispenseRequest) -> tuple[date, str | None]:
    """The fill date (today by default) and, for a late entry, why it is entered late.

    SPEC §7.1: a date before today is a late entry, by a pharmacist only, at most
    ``LIENRX_LATE_ENTRY_DAYS`` back and with a reason; a future date is refused.
    """
    today = clock.today()
    on = request.dispensed_on or today
    if on > today:
        raise field_error("dispensed_on", "A fill cannot be dated in the future.")
    if on == today:
        return on, None
    if actor.role != PHARMACIST:
        raise Forbidden("Only a pharmacist may enter a fill dated before today.")
    limit = int(current_app.config["LIENRX_LATE_ENTRY_DAYS"])
    if (today - on).days > limit:
        earliest = today - timedelta(days=limit)
        raise field_error("dispensed_on", f"A late entry may be dated at most {limit} days "
                                          f"back (no earlier than {earliest}).")
    reason = (request.late_entry_reason or "").strip()
    if not reason:
        raise field_error("late_entry_reason", "A fill dated before today is a late entry: "
                                               "say why it is entered late.")
    return on, reason


def _check_case(actor: Actor, case_id: int, on: date) -> Case:
    case = cases.get_case(actor, case_id, for_update=True)
    cases.refuse_if_closed(case, "it takes no further charges")
    agreement = cases.active_agreement(case.id)
    if case.status != case_rules.ACTIVE or agreement is None:
        raise Conflict("lien_not_active",
                       f"The case is {case_rules.status_words(case.status)}: no lien charge "
                       "without an active agreement.")
    if agreement.signed_on > on:
        raise Conflict("lien_not_active",
                       f"The lien agreement was signed on {agreement.signed_on}, after the fill "
                       f"date {on}: no lien charge before the agreement.")
    return case


def charge_memo(fill_number: int, prescription: Prescription, dispensed_on: date,
                late_entry_reason: str | None, *, refill_override: bool = False,
                bud_override: bool = False) -> str:
    """The charge's ledger memo; it marks an early-refill or BUD override, and a late entry
    says so, with its fill date and reason."""
    memo = f"Fill {fill_number} of RX{prescription.id:07d}: {prescription.product.name}"
    used = {"refill_too_soon": refill_override, "bud": bud_override}
    marks = [mark for rule, mark in OVERRIDE_MARKS.items() if used[rule]]
    if marks:
        memo += f" [{'; '.join(marks)}]"
    if late_entry_reason is not None:
        memo += (f" (late entry on {clock.today()} for {dispensed_on}: "
                 f"{late_entry_reason})")
    return memo[:MEMO_LENGTH]


def fill_schedule(prescription: Prescription, delivery_state: str | None, on: date) -> str:
    """The schedule a fill follows: the prescription's (the pharmacy's state) and, for a fill
    shipped to another state, the stricter of the two states' (SPEC §7.2) — never the case's
    venue. A prescription already past the shipped-to state's validity is refused (409)."""
    home = current_app.config["LIENRX_PHARMACY_STATE"]
    if delivery_state is None or delivery_state == home:
        return prescription.schedule
    product = prescription.product
    both = rx_rules.state_rule(home, delivery_state)
    schedule = rx_rules.stricter_schedule(prescription.schedule, rx_rules.effective_schedule(
        product.dea_schedule, product.dur_classes or [], both))
    last = rx_rules.expires_on(schedule, prescription.written_on, both)
    if on > last:
        raise Conflict("prescription_expired",
                       f"Shipped to {delivery_state}, this Schedule {schedule} prescription "
                       f"could be filled until {last}.")
    return schedule


def _check_prescription(prescription: Prescription, quantity: Decimal, on: date) -> None:
    status = prescribing.effective_status(prescription, on)
    if status == "expired":
        raise Conflict("prescription_expired",
                       f"The prescription could be filled until {prescription.expires_on}.")
    if status == "cancelled":
        raise Conflict("invalid_transition", "The prescription was cancelled.")
    if on < prescription.written_on:
        raise field_error("dispensed_on", "A fill cannot precede the prescription.")
    if status == "exhausted" or quantity > Decimal(prescription.quantity_remaining):
        raise Conflict("refills_exhausted",
                       f"Only {prescription.quantity_remaining} remain on this prescription.")


def check_plausible(product: Product, quantity: Decimal, days_supply: int) -> None:
    """Refuse a fill beyond the product's limits, or a fraction of an `each` product (422)."""
    errors: dict[str, list[str]] = {}
    if quantity > Decimal(product.max_quantity_per_fill):
        errors["quantity"] = [f"At most {plain_number(product.max_quantity_per_fill)} "
                              f"{product.unit} of {product.name} go out in one fill."]
    elif product.unit == "each" and quantity != quantity.to_integral_value():
        errors["quantity"] = [f"{product.name} is dispensed by whole units."]
    if days_supply > product.max_days_supply:
        errors["days_supply"] = [f"At most {product.max_days_supply} days of {product.name} "
                                 "go out in one fill."]
    if errors:
        raise ValidationFailed(errors)


def _check_days_supply(prescription: Prescription, quantity: Decimal, days_supply: int) -> None:
    """Refuse a dispense running faster than the prescribed daily amount (SPEC §7.3): the
    structured dose's, else the prescription's quantity ÷ days supply."""
    prescribed = (rx_dose.daily_dose_units(prescription)
                  or Decimal(prescription.quantity) / prescription.days_supply)
    per_day = quantity / days_supply
    if per_day <= prescribed * (1 + rx_rules.DISPENSE_RATE_TOLERANCE):
        return
    unit, rates = prescription.product.unit, (per_day, prescribed)
    dispensed, allowed = (plain_number(r.quantize(Decimal("0.01"))) for r in rates)
    raise Conflict("days_supply_inconsistent",
                   f"{plain_number(quantity)} {unit} over {days_supply} days is {dispensed} "
                   f"{unit}/day, more than {plain_number(rx_rules.DISPENSE_RATE_TOLERANCE * 100)}"
                   f" % above the prescribed {allowed} {unit}/day: lengthen the days supply "
                   "or dispense less.", dispensed_per_day=dispensed, prescribed_per_day=allowed)


def _check_bud(batch: CompoundingRecord, on: date, days_supply: int,
               override: str | None) -> None:
    """A compounded supply must not run past its batch's BUD unless a pharmacist says why."""
    runs_to = on + timedelta(days=days_supply)
    if runs_to > batch.beyond_use_date and not override:
        raise Conflict("days_supply_exceeds_bud",
                       f"{days_supply} days from {on} runs to {runs_to}, past lot "
                       f"{batch.lot_number}'s beyond-use date {batch.beyond_use_date}. "
                       "Shorten the supply, or a pharmacist may override with a reason.",
                       beyond_use_date=batch.beyond_use_date.isoformat())


def _check_refill_timing(prescription: Prescription, on: date, override: str | None) -> bool:
    """Refuse a new fill before the patient's supply allows it; say if an override let it."""
    found = supplies.next_fill_due_of(prescription, on)
    if found is None or on >= found[0]:
        return False
    due, supply = found
    if override:
        return True
    raise Conflict("refill_too_soon",
                   f"Too soon: {supply.product} ({supply.days_supply} days) went out on "
                   f"{supply.dispensed_on} on RX{supply.prescription_id:07d}; the next fill "
                   f"is due on {due}. A pharmacist may override with a reason.",
                   due_on=due.isoformat())


def _check_partial_window(prescription: Prescription, plan: fills.FillPlan, on: date) -> None:
    """The rest of a partial fill goes out only within its schedule's window (C-II: 30 days
    from the written date, 21 CFR 1306.13(b))."""
    days = rx_rules.SCHEDULE_RULES[prescription.schedule].partial_remainder_days
    if plan.starts_fill or days is None:
        return
    last_day = prescription.written_on + timedelta(days=days)
    if on > last_day:
        raise Conflict("prescription_expired",
                       f"The rest of a partial Schedule {prescription.schedule} fill could go "
                       f"out until {last_day}, {days} days from the written date.")


def _source_for(prescription: Prescription, request: DispenseRequest, on: date
                ) -> tuple[CompoundingRecord | None, str | None]:
    """The batch (compounded) or the NDC (commercial) the fill comes from, checked."""
    product = prescription.product
    if product.kind == "compounded":
        if request.compounding_record_id is None:
            raise field_error("compounding_record_id", "A compounded fill names its batch.")
        try:
            batch = compounding.lock_batch(request.compounding_record_id)
        except NotFound:
            raise field_error("compounding_record_id", "No such compounding record.") from None
        if batch.product_id != product.id:
            raise field_error("compounding_record_id", "The batch is of another product.")
        compounding.check_dispensable(batch, on)
        _check_bud(batch, on, request.days_supply, request.bud_override_reason)
        if request.quantity > Decimal(batch.remaining_quantity):
            raise field_error("quantity", f"Only {batch.remaining_quantity} {product.unit} "
                                          f"remain in lot {batch.lot_number}.")
        return batch, None
    if request.compounding_record_id is not None:
        raise field_error("compounding_record_id", "A commercial product has no batch.")
    check_lot_in_date(request.lot_number, request.lot_expiration_date, on)
    listed = formulary.dispensable_ndcs(product.id)
    if not listed:
        raise Conflict("ndc_required",
                       f"{product.name} has no package NDC in the formulary; it cannot be "
                       "dispensed until one is listed.")
    if request.ndc is None:
        if len(listed) > 1:
            raise field_error("ndc", "Give the NDC of the package dispensed: the product has "
                                     f"{len(listed)}.")
        return None, listed[0]
    try:
        ndc = normalize_ndc(request.ndc)
    except ValueError as exc:
        raise field_error("ndc", str(exc)) from None
    if ndc not in listed:
        raise field_error("ndc", "The NDC is not one of the prescribed product's.")
    return None, ndc


def check_lot_in_date(lot_number: str | None, expiry: date | None, on: date) -> None:
    """A package lot past its expiry (read from its barcode, typed, or as received into the
    inventory) is not dispensed: 422 on ``lot_expiration_date``, the expiry shown."""
    if expiry is not None and expiry < on:
        lot = f"Lot {lot_number}" if lot_number else "The lot"
        raise field_error("lot_expiration_date", f"{lot} expired on {expiry.isoformat()}: it "
                                                 f"cannot be dispensed on {on.isoformat()}.")


def _review_dur(actor: Actor, prescription: Prescription,
                resolutions: Iterable[tuple[int, dur.Resolution]]) -> list[DurAlert]:
    alerts = dur.evaluate(prescription, actor)
    resolutions = list(resolutions)
    if resolutions:
        own = {a.id: a for a in dur.alerts_for(prescription.id)}
        problems: dict[str, Any] = {}
        for i, (alert_id, resolution) in enumerate(resolutions):
            if alert_id not in own:
                problems[str(i)] = {"alert_id": [f"Alert {alert_id} is not one of this "
                                                 "prescription's alerts."]}
            elif resolution.result in dur_codes.NOT_FILLED:
                problems[str(i)] = {"result": [f"{resolution.result} says the prescription "
                                               "is not filled: nothing can be dispensed "
                                               "with it."]}
            elif own[alert_id].status == "open" and (
                    found := dur.resolution_problems(own[alert_id], resolution)):
                problems[str(i)] = found
        if problems:
            raise ValidationFailed({"dur_resolutions": problems})
        for alert_id, resolution in resolutions:
            dur.resolve(alert_id, actor, resolution)
    unresolved = dur.unresolved_high(alerts)
    if unresolved:
        raise DurUnresolved(unresolved)
    return alerts


def price(prescription: Prescription, quantity: Decimal, on: date, *,
          starts_fill: bool = True) -> tuple[int, int, int, int]:
    """(unit price, dispensing fee, compounding fee, charge) in cents, from the price list.

    The fees are charged once per fill, on the dispense that starts it (SPEC §7.2).
    """
    listed = price_on(prescription.product_id, on)
    if listed is None:
        raise Conflict("price_missing", f"No price is in effect for {prescription.product.name} "
                                        f"on {on}.")
    fee = listed.dispensing_fee_cents if starts_fill else 0
    compounding_fee = (listed.compounding_fee_cents or 0
                       if starts_fill and prescription.product.kind == "compounded" else 0)
    charge = round_cents(quantity * listed.unit_price_cents / 100) + fee + compounding_fee
    return listed.unit_price_cents, fee, compounding_fee, charge


def quote(prescription: Prescription, quantity: Decimal, on: date, *,
          combine: bool = False) -> tuple[fills.FillPlan, int]:
    """The fill a dispense of ``quantity`` would draw on and its charge in cents (for the
    page, before posting); the refusals are the dispense's own."""
    plan = fills.plan_fill(prescription, quantity, combine=combine)
    return plan, price(prescription, quantity, on, starts_fill=plan.starts_fill)[3]


def dispense(actor: Actor, request: DispenseRequest) -> Dispense:
    """Fill a prescription at $0 and charge the case's lien, or refuse with the rule's code."""
    on, late_entry_reason = _fill_date(actor, request)
    # Learn the case first: the case is locked before the prescription.
    case_id = prescribing.case_of(request.prescription_id)
    if case_id is None:
        raise field_error("prescription_id", "No such prescription.")
    case = _check_case(actor, case_id, on)
    patient = case.patient  # held here, the DUR review and the label read it without a query
    prescription = prescribing.lock_prescription(request.prescription_id)
    schedule = fill_schedule(prescription, request.delivery_state, on)
    if request.combine_refills and schedule != rx_rules.NON_CONTROLLED:
        raise field_error("combine_refills", f"Schedule {schedule}: a controlled "
                                             "product never combines refills.")
    check_plausible(prescription.product, request.quantity, request.days_supply)
    _check_prescription(prescription, request.quantity, on)
    plan = fills.plan_fill(prescription, request.quantity, combine=request.combine_refills)
    _check_partial_window(prescription, plan, on)
    _check_days_supply(prescription, request.quantity, request.days_supply)
    refill_override = plan.starts_fill and _check_refill_timing(
        prescription, on, request.refill_override_reason)
    batch, ndc = _source_for(prescription, request, on)
    lot = stock.stock_lot(prescription, ndc, request.lot_number)
    if lot is not None:
        check_lot_in_date(lot.lot_number, lot.expiration_date, on)
    unit_price, fee, compounding_fee, charge = price(prescription, request.quantity, on,
                                                     starts_fill=plan.starts_fill)
    alerts = _review_dur(actor, prescription, request.dur_resolutions)

    fill_number = prescribing.record_fill(prescription, plan, on)
    if batch is not None:
        compounding.draw_from_batch(batch, request.quantity, on)
    bud_override = (batch is not None
                    and on + timedelta(days=request.days_supply) > batch.beyond_use_date)
    # A reason is kept (and printed) only where its override was needed.
    refill_override_reason = request.refill_override_reason if refill_override else None
    bud_override_reason = request.bud_override_reason if bud_override else None
    record = Dispense(
        prescription_id=prescription.id, case_id=case.id, fill_number=fill_number,
        refill_number=plan.refill_number, partial_sequence=plan.partial_sequence,
        fill_parts=plan.parts_json, starts_fill=plan.starts_fill,
        quantity=request.quantity, days_supply=request.days_supply, dispensed_on=on,
        compounding_record_id=batch.id if batch else None, ndc=ndc,
        lot_number=batch.lot_number if batch else request.lot_number,
        delivery_method=request.delivery_method, delivery_state=request.delivery_state,
        pharmacist_user_id=actor.id,
        unit_price_cents=unit_price, dispensing_fee_cents=fee,
        compounding_fee_cents=compounding_fee, charge_cents=charge, patient_paid_cents=0,
        refill_override_reason=refill_override_reason, bud_override_reason=bud_override_reason,
        late_entry_reason=late_entry_reason,
        medguide_provided=request.medguide_provided,
        dur_review=[dur.snapshot(a) for a in alerts],
        label=build_label(prescription=prescription, fill_number=fill_number, dispensed_on=on,
                          quantity=request.quantity,
                          patient_name=f"{patient.first_name} {patient.last_name}",
                          pharmacist_name=actor.name, batch=batch, ndc=ndc,
                          lot_number=request.lot_number,
                          initial_fill_on=initial_fill_on(prescription.id, fill_number, on),
                          late_entry_reason=late_entry_reason,
                          refill_override_reason=refill_override_reason,
                          bud_override_reason=bud_override_reason,
                          medguide_provided=request.medguide_provided))
    db.session.add(record)
    db.session.flush()
    stock.draw_fill(actor, record, lot)
    receivable, revenue = ledger.accounts(case.id, ledger.REVENUE)
    entry = ledger.post_entry(
        kind="charge", case_id=case.id, occurred_on=on, actor=actor,
        memo=charge_memo(fill_number, prescription, on, late_entry_reason,
                         refill_override=refill_override, bud_override=bud_override),
        lines=[(receivable, charge), (revenue, -charge)], source=("dispense", record.id))
    record.charge_entry_id = entry.id  # written with the commit
    audit.record(actor, "dispense.created", "dispense", record.id,
                 {"case_id": case.id, "prescription_id": prescription.id,
                  "fill_number": fill_number, "refill_number": plan.refill_number,
                  "partial_sequence": plan.partial_sequence, "charge_cents": charge,
                  "refill_override": refill_override, "bud_override": bud_override,
                  "dispensed_on": on.isoformat(), "late_entry": late_entry_reason is not None})
    outbox.enqueue_event(outbox.NEW_FILL, case.id, record.id)
    return record


def get_dispense(actor: Actor, dispense_id: int, *, for_update: bool = False) -> Dispense:
    """A dispense the actor may see (attorneys: their firm's cases), else NotFound.

    ``for_update`` locks it: after its case, prescription and batch (``core.locks.ORDER``).
    """
    query = sa.select(Dispense).where(Dispense.id == dispense_id)
    record = (locks.lock(query, Dispense) if for_update
              else db.session.execute(query).scalar_one_or_none())
    if record is None:
        raise NotFound("No such dispense.")
    cases.get_case(actor, record.case_id, disclosing=DISPENSES)
    return record


def read_dispense(actor: Actor, dispense_id: int) -> Dispense:
    """Read a dispense (a PHI read: audited)."""
    record = get_dispense(actor, dispense_id)
    audit.record(actor, "dispense.read", "dispense", record.id)
    return record


def _charge_of(record: Dispense) -> JournalEntry:
    """The ledger entry that charged ``record``; every dispense is posted with one."""
    charge = (db.session.get(JournalEntry, record.charge_entry_id)
              if record.charge_entry_id is not None else None)
    if charge is None:  # a broken invariant, not a request to refuse: roll back as a 500
        raise RuntimeError(f"Dispense {record.id} has no charge entry to reverse.")
    return charge


def _refuse_if_fees_carried_for_later_partials(record: Dispense, parts: list[fills.Part]
                                               ) -> None:
    """A dispense that started a fill carries that fill's fees: while later partials of the
    fill stand, reversing it would leave them without, so they are reversed first."""
    started = {part.refill_number for part in parts if part.partial_sequence == 1}
    if not record.starts_fill or not started:
        return
    later = db.session.execute(
        sa.select(Dispense).where(Dispense.prescription_id == record.prescription_id,
                                  Dispense.status == "dispensed", Dispense.id != record.id,
                                  Dispense.fill_number > record.fill_number)).scalars()
    blocking = sorted(d.fill_number for d in later
                      if started & {int(item["refill_number"]) for item in d.fill_parts})
    if blocking:
        raise Conflict("invalid_transition",
                       "This dispense started its fill and carries the fill's fees: reverse "
                       f"the fill's later partials first (fill {', '.join(map(str, blocking))}).")


def _reversible(record: Dispense, prescription: Any, case: Case,
                disposition: str | None) -> list[fills.Part]:
    """Refuse a reversal the rules refuse; else the fill's parts."""
    if record.status == "reversed":
        raise Conflict("already_reversed", "This dispense has already been reversed.")
    stock.check_disposition(prescription, disposition)
    cases.refuse_if_closed(case, "its ledger takes no corrections")
    parts = [fills.Part.from_json(item) for item in record.fill_parts]
    _refuse_if_fees_carried_for_later_partials(record, parts)
    return parts


@dataclass(frozen=True)
class ReversalPreview:
    """What reversing a fill would do: the fill (its charge comes off), the case's balance
    now and the stock's disposition."""

    dispense: Dispense
    balance: int
    disposition: str | None


def preview_reversal(actor: Actor, dispense_id: int, reason: str,
                     disposition: str | None = None) -> ReversalPreview:
    """What :func:`reverse` would do, refused as it would be; nothing changes."""
    record = get_dispense(actor, dispense_id)
    case = cases.get_case(actor, record.case_id)
    _reversible(record, record.prescription, case, disposition)
    return ReversalPreview(record, ledger_queries.case_balance(case.id), disposition)


def reverse(actor: Actor, dispense_id: int, reason: str,
            disposition: str | None = None) -> Dispense:
    """Reverse a dispense: a reversing ledger entry, the quantity back to Rx and batch, and
    a controlled fill's stock returned to its lot or set aside to be destroyed
    (``disposition``)."""
    # Read without a lock to learn what to lock, then lock in order: case, prescription,
    # batch, inventory lot, and the dispense last, re-read under its lock (a twin may have
    # reversed it).
    found = get_dispense(actor, dispense_id)
    case = cases.get_case(actor, found.case_id, for_update=True)
    prescription = prescribing.lock_prescription(found.prescription_id)
    batch = (compounding.lock_batch(found.compounding_record_id)
             if found.compounding_record_id is not None else None)
    lot = stock.lock_drawn_lot(found)
    record = get_dispense(actor, dispense_id, for_update=True)
    parts = _reversible(record, prescription, case, disposition)
    prescribing.reverse_fill(prescription, parts)
    if batch is not None and disposition != "destroy":  # a destroyed preparation stays out
        compounding.return_to_batch(batch, Decimal(record.quantity))
    entry = ledger.reverse_entry(_charge_of(record), actor=actor,
                                 memo=REVERSAL_MEMO.format(reason=reason))
    record.status, record.reversal_entry_id = "reversed", entry.id
    record.reversed_at, record.reversed_by_user_id = clock.utcnow(), actor.id
    record.reversal_reason = reason
    db.session.flush()
    stock.give_back(actor, record, lot, disposition, reason)
    audit.record(actor, "dispense.reversed", "dispense", record.id,
                 {"case_id": case.id, "charge_cents": record.charge_cents,
                  "disposition": disposition})
    return record


def _supplies_in_use(patient_id: int) -> list[Medication]:
    """The patient's dispensed fills, on any case, whose days supply has not run out
    (SPEC §7.3), whatever their prescription's status now: the fills as three columns, then
    the prescriptions in use with their products."""
    today = clock.today()
    fills = db.session.execute(
        sa.select(Dispense.prescription_id, Dispense.dispensed_on, Dispense.days_supply)
        .join(Case, Case.id == Dispense.case_id)
        .where(Case.patient_id == patient_id, Dispense.status == "dispensed",
               Dispense.dispensed_on > today - timedelta(days=366))).all()
    in_use = {rx for rx, on, days in fills if on + timedelta(days=days) > today}
    if not in_use:
        return []
    prescriptions = db.session.execute(
        sa.select(Prescription).where(Prescription.id.in_(in_use))
        .options(joinedload(Prescription.product, innerjoin=True))).scalars()
    return [dur.as_medication(p) for p in prescriptions]


dur.register_medication_source(_supplies_in_use)
