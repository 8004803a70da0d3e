"""Keep the perpetual inventory: receive lots, draw and return stock, record waste,
destruction, loss, theft and counts. Every movement is posted under the lot's row lock, and
on hand never goes below zero (nor below what open destructions hold, for a draw)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from lienrx.audit import services as audit
from lienrx.core import clock, locks
from lienrx.core.actors import Actor, actor_id
from lienrx.core.db import violates_unique
from lienrx.core.errors import Conflict, NotFound, ValidationFailed, field_error
from lienrx.core.identifiers import dea_shape_valid, normalize_ndc
from lienrx.core.schemas import plain_number
from lienrx.extensions import db
from lienrx.formulary.models import Product
from lienrx.inventory import queries, rules
from lienrx.inventory.models import (
    InventoryCount,
    InventoryCountLine,
    InventoryDestruction,
    InventoryLot,
    InventoryMovement,
)

Source = tuple[str, int]
ZERO = Decimal(0)


def get_lot(lot_id: int) -> InventoryLot:
    """The lot, or NotFound."""
    lot = db.session.get(InventoryLot, lot_id)
    if lot is None:
        raise NotFound("No such inventory lot.")
    return lot


def _locked(lot: InventoryLot | int) -> InventoryLot:
    lot_id = lot if isinstance(lot, int) else lot.id
    found = locks.lock(sa.select(InventoryLot).where(InventoryLot.id == lot_id), InventoryLot)
    if found is None:
        raise NotFound("No such inventory lot.")
    return found


def lock_lot(lot_id: int) -> InventoryLot:
    """Lock a lot (``inventory_lots`` in the lock order) before rows that come after it: a
    dispense locks the lot it will draw from before its DUR alerts, a reversal before the
    dispense. NotFound for an unknown id."""
    return _locked(lot_id)


def _amount(quantity: Decimal, lot: InventoryLot) -> str:
    return f"{plain_number(quantity)} {lot.unit}"


def _post(lot: InventoryLot, kind: str, quantity: Decimal, actor: Actor | None, *,
          occurred_on: date, floor: Decimal = ZERO, source: Source | None = None,
          **details: Any) -> InventoryMovement:
    """Write one movement of a locked lot and move its on hand; refuse with 409
    ``insufficient_inventory`` when on hand would fall below ``floor``."""
    after = Decimal(lot.on_hand) + quantity
    if quantity < 0 and after < floor:
        available = Decimal(lot.on_hand) - floor
        raise Conflict("insufficient_inventory",
                       f"Lot {lot.lot_number} has {_amount(max(available, ZERO), lot)} "
                       f"available; {_amount(-quantity, lot)} was asked for.",
                       lot_id=lot.id, available=plain_number(max(available, ZERO)))
    movement = InventoryMovement(
        lot_id=lot.id, kind=kind, quantity=quantity, occurred_on=occurred_on,
        recorded_at=clock.utcnow(), user_id=actor_id(actor),
        source_type=source[0] if source else None, source_id=source[1] if source else None,
        **details)
    db.session.add(movement)
    lot.on_hand = after
    db.session.flush()
    return movement


def _receipt_errors(component: str | None, product: Product | None, product_id: int | None,
                    ndc: str | None, unit: str, supplier_dea_number: str,
                    expiration_date: date, received_on: date) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if (component is None) == (product_id is None):
        errors["component"] = ["Name the component (as the master formulations name it) "
                               "or the product, not both."]
    elif component is not None and component not in queries.mfr_components():
        errors["component"] = ["No master formulation names this component; use the name "
                               "its ingredients list gives it."]
    elif product_id is not None and (product is None or product.kind != "commercial"):
        errors["product_id"] = ["No such commercial product (a compounded one is made, "
                                "not received)."]
    elif product is not None:
        if ndc is not None and ndc not in {n.ndc for n in product.ndcs}:
            errors["ndc"] = ["Not one of the product's NDCs."]
        if unit != product.unit:
            errors["unit"] = [f"The product is dispensed in {product.unit}."]
    if ndc is None:
        errors["ndc"] = ["Give an NDC: 11 digits or hyphenated 4-4-2, 5-3-2 or 5-4-1."]
    if not dea_shape_valid(supplier_dea_number):
        errors["supplier_dea_number"] = ["Not a valid DEA registration number (two letters, "
                                         "seven digits, check digit)."]
    if received_on > clock.today():
        errors["received_on"] = ["Must not be in the future."]
    if expiration_date <= received_on:
        errors["expiration_date"] = ["The lot had expired when it was received."]
    return errors


def _lot_of(ndc: str, lot_number: str) -> InventoryLot | None:
    return locks.lock(sa.select(InventoryLot).where(InventoryLot.ndc == ndc,
                                                    InventoryLot.lot_number == lot_number),
                      InventoryLot)


def _same_lot_errors(lot: InventoryLot, component: str | None, product_id: int | None,
                     expiration_date: date, unit: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if lot.component != component or lot.product_id != product_id:
        errors["lot_number"] = ["This NDC and lot number were received as another drug."]
    if lot.expiration_date != expiration_date:
        errors["expiration_date"] = [
            f"This lot was received with expiry {lot.expiration_date.isoformat()}."]
    if lot.unit != unit:
        errors["unit"] = [f"This lot is kept in {lot.unit}."]
    return errors


def receive(actor: Actor | None, *, ndc: str, lot_number: str, expiration_date: date,
            quantity: Decimal, unit: str, supplier: str, supplier_dea_number: str,
            invoice_number: str, received_on: date, component: str | None = None,
            product_id: int | None = None) -> InventoryLot:
    """Receive stock against a supplier's invoice (21 CFR 1304.22(c)); return its lot.

    The lot is the component or commercial product, NDC and lot number: receiving the same
    again adds a receipt to it. Bad input is a 422 naming each field, nothing posted.
    """
    try:
        normalized: str | None = normalize_ndc(ndc)
    except ValueError:
        normalized = None
    product = db.session.get(Product, product_id) if product_id is not None else None
    supplier_dea_number = supplier_dea_number.strip().upper()
    errors = _receipt_errors(component, product, product_id, normalized, unit,
                             supplier_dea_number, expiration_date, received_on)
    if errors:
        raise ValidationFailed(errors)
    assert normalized is not None  # noqa: S101 - refused above
    lot = _lot_of(normalized, lot_number)
    if lot is None:
        schedule = (queries.component_schedule(component) if component is not None
                    else queries.product_schedule(product) if product is not None else None)
        lot = InventoryLot(component=component, product_id=product_id, ndc=normalized,
                           lot_number=lot_number, expiration_date=expiration_date, unit=unit,
                           dea_schedule=schedule, on_hand=ZERO, created_at=clock.utcnow())
        try:
            with db.session.begin_nested():  # a twin receipt of the same new lot loses here
                db.session.add(lot)
                db.session.flush()
        except IntegrityError as exc:
            if not violates_unique(exc, "inventory_lots", "ndc_lot_number"):
                raise
            lot = _lot_of(normalized, lot_number)
            assert lot is not None  # noqa: S101 - the twin's lot, now committed
    if errors := _same_lot_errors(lot, component, product_id, expiration_date, unit):
        raise ValidationFailed(errors)
    movement = _post(lot, "receipt", quantity, actor, occurred_on=received_on,
                     supplier=supplier, supplier_dea_number=supplier_dea_number,
                     invoice_number=invoice_number)
    audit.record(actor, "inventory.received", "inventory_lot", lot.id,
                 {"movement_id": movement.id, "quantity": plain_number(quantity)})
    return lot


def draw(actor: Actor | None, lot: InventoryLot | int, quantity: Decimal, kind: str, *,
         source: Source, occurred_on: date | None = None) -> InventoryMovement:
    """Take ``quantity`` (in the lot's unit) from a lot for ``source``, a compounding record
    (``kind="compounding_use"``) or a dispense (``kind="dispense"``), dated ``occurred_on``
    (default today).

    Locks the lot (``inventory_lots``, after ``compounding_records`` and before
    ``dispenses`` in the lock order). 409 ``insufficient_inventory`` when the lot holds less
    than ``quantity`` beyond what open destructions hold; 404 for an unknown lot id.
    """
    if kind not in rules.DRAW_KINDS or quantity <= 0:
        raise ValueError(f"a draw is a positive {' or '.join(rules.DRAW_KINDS)}")
    locked = _locked(lot)
    movement = _post(locked, kind, -quantity, actor, occurred_on=occurred_on or clock.today(),
                     floor=queries.held(locked.id), source=source)
    audit.record(actor, f"inventory.{kind}", "inventory_lot", locked.id,
                 {"movement_id": movement.id, "source": list(source)})
    return movement


def _give_back(actor: Actor | None, lot: InventoryLot, quantity: Decimal, source: Source,
               occurred_on: date | None, reason: str | None) -> InventoryMovement:
    if quantity <= 0:
        raise ValueError("a return is a positive quantity")
    drawn = queries.drawn_by(lot.id, source)
    if quantity > drawn:
        raise Conflict("return_exceeds_draw",
                       f"{source[0]} {source[1]} drew {_amount(drawn, lot)} from lot "
                       f"{lot.lot_number} that is not yet returned; "
                       f"{_amount(quantity, lot)} cannot come back.")
    return _post(lot, "return_to_stock", quantity, actor,
                 occurred_on=occurred_on or clock.today(), source=source, reason=reason)


def return_to_stock(actor: Actor | None, lot: InventoryLot | int, quantity: Decimal, *,
                    source: Source, occurred_on: date | None = None,
                    reason: str | None = None) -> InventoryMovement:
    """Put back stock that ``source`` drew and that never left the pharmacy (a reversed
    dispense): it may be drawn again. 409 ``return_exceeds_draw`` beyond what ``source``
    drew from this lot and has not returned."""
    locked = _locked(lot)
    movement = _give_back(actor, locked, quantity, source, occurred_on, reason)
    audit.record(actor, "inventory.returned", "inventory_lot", locked.id,
                 {"movement_id": movement.id, "source": list(source)})
    return movement


def open_destruction(actor: Actor | None, lot: InventoryLot | int, quantity: Decimal, *,
                     reason: str, source: Source | None = None) -> InventoryDestruction:
    """Set ``quantity`` of a lot aside to be destroyed before witnesses (DEA Form 41).

    With ``source`` (a reversed dispense whose stock must not go back on the shelf) the
    stock first comes back into the lot (a ``return_to_stock`` movement; 409
    ``return_exceeds_draw`` beyond what ``source`` drew); without it, stock already on hand
    is set aside (409 ``insufficient_inventory`` beyond what is available). Either way it
    stays on hand, counted but not drawable, until :func:`record_movement` destroys it.
    """
    locked = _locked(lot)
    if source is not None:
        _give_back(actor, locked, quantity, source, None, f"Returned to be destroyed: {reason}")
    elif quantity > Decimal(locked.on_hand) - queries.held(locked.id):
        available = max(Decimal(locked.on_hand) - queries.held(locked.id), ZERO)
        raise Conflict("insufficient_inventory",
                       f"Lot {locked.lot_number} has {_amount(available, locked)} available; "
                       f"{_amount(quantity, locked)} cannot be set aside.",
                       lot_id=locked.id, available=plain_number(available))
    destruction = InventoryDestruction(
        lot_id=locked.id, quantity=quantity, status="open", reason=reason,
        source_type=source[0] if source else None, source_id=source[1] if source else None,
        opened_at=clock.utcnow(), opened_by_user_id=actor_id(actor))
    db.session.add(destruction)
    db.session.flush()
    audit.record(actor, "inventory.destruction_opened", "inventory_destruction", destruction.id,
                 {"lot_id": locked.id, "quantity": plain_number(quantity)})
    return destruction


def _witnesses(kind: str, witnesses: Sequence[str] | None) -> tuple[list[str], list[str]]:
    names = [w.strip() for w in witnesses or [] if w and w.strip()]
    needed = rules.WITNESSES_NEEDED.get(kind, 0)
    if len({n.casefold() for n in names}) < len(names):
        return names, ["Each witness is a different person."]
    if len(names) < needed:
        return names, [f"A {kind} needs {needed} witness{'es' if needed > 1 else ''}."]
    return names, []


def _movement_errors(kind: str, reason: str | None, method: str | None,
                     discovered_on: date | None, direction: str | None,
                     witness_problems: list[str]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if kind not in rules.MANUAL_KINDS:
        errors["kind"] = [f"One of {', '.join(rules.MANUAL_KINDS)}."]
        return errors
    if not reason:
        errors["reason"] = ["Say why (for a loss or theft: the circumstances)."]
    if witness_problems:
        errors["witnesses"] = witness_problems
    if kind in rules.NEEDS_METHOD and not method:
        errors["method"] = ["Say how it was destroyed (DEA Form 41)."]
    if kind in rules.NEEDS_DISCOVERY:
        if discovered_on is None:
            errors["discovered_on"] = ["Give the date the loss was discovered (DEA Form 106)."]
        elif discovered_on > clock.today():
            errors["discovered_on"] = ["Must not be in the future."]
    if kind == "adjustment" and direction not in ("increase", "decrease"):
        errors["direction"] = ["Say whether the adjustment is an increase or a decrease."]
    return errors


def _open_destruction(destruction_id: int, lot: InventoryLot,
                      quantity: Decimal) -> InventoryDestruction:
    destruction = db.session.get(InventoryDestruction, destruction_id)
    if destruction is None or destruction.lot_id != lot.id:
        raise field_error("destruction_id", "No destruction of this lot has that id.")
    if destruction.status != "open":
        raise Conflict("invalid_transition", "This destruction was already recorded.")
    if Decimal(destruction.quantity) != quantity:
        raise field_error("quantity", f"The destruction set aside "
                                      f"{_amount(Decimal(destruction.quantity), lot)}.")
    return destruction


def record_movement(actor: Actor, *, lot_id: int, kind: str, quantity: Decimal,
                    reason: str | None = None, witnesses: Sequence[str] | None = None,
                    method: str | None = None, discovered_on: date | None = None,
                    direction: str | None = None,
                    destruction_id: int | None = None) -> InventoryMovement:
    """Record waste (a witness), a destruction (method, two witnesses; DEA Form 41), a loss
    or theft (date discovered, circumstances; DEA Form 106) or an adjustment (a reason and
    a direction) of a positive ``quantity``.

    422 naming every missing field; 409 ``insufficient_inventory`` beyond what the lot
    holds (waste and destruction also spare what open destructions hold, unless the
    destruction is of that set-aside stock: ``destruction_id``).
    """
    names, witness_problems = _witnesses(kind, witnesses)
    errors = _movement_errors(kind, reason, method, discovered_on, direction, witness_problems)
    if destruction_id is not None and kind != "destruction":
        errors["destruction_id"] = ["Only a destruction completes a set-aside destruction."]
    if errors:
        raise ValidationFailed(errors)
    lot = _locked(lot_id)
    pending = (_open_destruction(destruction_id, lot, quantity)
               if destruction_id is not None else None)
    sign = -1 if rules.KIND_SIGNS[kind] < 0 or direction == "decrease" else 1
    held = queries.held(lot.id)
    floor = (held - Decimal(pending.quantity) if pending is not None
             else held if kind in ("waste", "destruction") else ZERO)
    movement = _post(lot, kind, sign * quantity, actor, floor=floor,
                     occurred_on=discovered_on or clock.today(),
                     reason=reason, witnesses=names or None, method=method,
                     discovered_on=discovered_on,
                     source=("inventory_destruction", pending.id) if pending else None)
    if pending is not None:
        pending.status, pending.movement_id = "destroyed", movement.id
        db.session.flush()
    audit.record(actor, f"inventory.{kind}", "inventory_lot", lot.id,
                 {"movement_id": movement.id, "quantity": plain_number(quantity)})
    return movement


def _count_errors(kind: str, business_hours: str, counted_at: datetime,
                  lines: Sequence[dict[str, Any]],
                  lots: dict[int, InventoryLot]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if kind not in rules.COUNT_KINDS:
        errors["kind"] = [f"One of {', '.join(rules.COUNT_KINDS)}."]
    if business_hours not in rules.BUSINESS_HOURS:
        errors["business_hours"] = [f"One of {', '.join(rules.BUSINESS_HOURS)}."]
    if clock.in_future(counted_at, skew=timedelta(0)):  # taken on the pharmacy's own clock
        errors["counted_at"] = ["Must not be in the future."]
    if not lines:
        errors["lines"] = ["Count at least one lot."]
    seen: set[int] = set()
    for n, line in enumerate(lines):
        lot = lots.get(line["lot_id"])
        if lot is None:
            errors[f"lines.{n}.lot_id"] = ["No such inventory lot."]
        elif line["lot_id"] in seen:
            errors[f"lines.{n}.lot_id"] = ["This lot is already on the count."]
        elif lot.created_at > counted_at:
            errors[f"lines.{n}.lot_id"] = ["This lot was first received after the count was "
                                           "taken; check the time of the count."]
        elif line.get("estimated") and lot.dea_schedule in rules.EXACT_COUNT_SCHEDULES:
            errors[f"lines.{n}.estimated"] = [
                f"Schedule {lot.dea_schedule} is counted exactly, never estimated."]
        seen.add(line["lot_id"])
    return errors


def record_count(actor: Actor, *, kind: str, counted_at: datetime, business_hours: str,
                 lines: Sequence[dict[str, Any]]) -> InventoryCount:
    """Record a physical count (biennial or periodic; opening or close of business), one
    line per lot ``{lot_id, counted_quantity, estimated?, reason?}``.

    Each line expects what the journal held at ``counted_at``; a difference is posted as an
    ``adjustment`` of the variance (counted − expected) with the line's reason or one naming
    the count. Schedule II lines may not be estimated (21 CFR 1304.11(e)). 422 naming each
    bad line; 409 ``insufficient_inventory`` when stock drawn since the count leaves too
    little for the variance.
    """
    wanted = sorted({line["lot_id"] for line in lines})
    lots = {lot.id: lot for lot in db.session.execute(
        sa.select(InventoryLot).where(InventoryLot.id.in_(wanted))).scalars()}
    if errors := _count_errors(kind, business_hours, counted_at, lines, lots):
        raise ValidationFailed(errors)
    locked = {lot_id: _locked(lot_id) for lot_id in wanted}  # in id order: no deadlock
    count = InventoryCount(kind=kind, counted_at=counted_at, business_hours=business_hours,
                           counted_by_user_id=actor.id, created_at=clock.utcnow())
    db.session.add(count)
    db.session.flush()
    for line in lines:
        lot, counted = locked[line["lot_id"]], Decimal(line["counted_quantity"])
        expected = queries.book_quantity(lot.id, counted_at)
        movement = None
        if counted != expected:
            reason = line.get("reason") or (
                f"{kind.capitalize()} count {count.id} at {business_hours} of business: "
                f"counted {_amount(counted, lot)}, the books held {_amount(expected, lot)}")
            movement = _post(lot, "adjustment", counted - expected, actor,
                             occurred_on=clock.local_date(counted_at), reason=reason,
                             source=("inventory_count", count.id))
        db.session.add(InventoryCountLine(
            count_id=count.id, lot_id=lot.id, expected=expected, counted=counted,
            estimated=bool(line.get("estimated")),
            movement_id=movement.id if movement else None))
    db.session.flush()
    audit.record(actor, "inventory.counted", "inventory_count", count.id,
                 {"kind": kind, "lines": len(lines)})
    return count


def lot_for_component(component: str, lot_number: str,
                      ndc: str | None = None) -> InventoryLot | None:
    """The received lot of a component (as the master formulations name it) with this
    manufacturer's lot number, or None. Two suppliers' lots may share a number: then the
    NDC decides, and without it the answer is a 422 on ``lot_number`` naming the NDCs."""
    query = sa.select(InventoryLot).where(InventoryLot.component == component,
                                          InventoryLot.lot_number == lot_number.strip())
    if ndc is not None:
        query = query.where(InventoryLot.ndc == _ndc(ndc))
    found = list(db.session.execute(query.order_by(InventoryLot.id)).scalars())
    if len(found) > 1:
        raise field_error("lot_number", "Several received lots have this number; name the "
                                        f"NDC ({', '.join(lot.ndc for lot in found)}).")
    return found[0] if found else None


def _ndc(ndc: str) -> str:
    try:
        return normalize_ndc(ndc)
    except ValueError as exc:
        raise field_error("ndc", str(exc)) from None


def lot_for_ndc(ndc: str, lot_number: str) -> InventoryLot | None:
    """The received lot with this NDC (any accepted form) and lot number, or None; a
    malformed NDC is a 422 on ``ndc``."""
    return db.session.execute(
        sa.select(InventoryLot).where(InventoryLot.ndc == _ndc(ndc),
                                      InventoryLot.lot_number == lot_number.strip())
    ).scalar_one_or_none()
