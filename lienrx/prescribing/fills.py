"""A prescription's fills (SPEC §7.2): which fill a dispense draws on, its partials, closing a
fill short, and giving a reversed dispense's quantity back to its fills.

A prescription authorises ``1 + refills_authorized`` fills of ``quantity`` each. The fill in
progress is the earliest that is neither complete (its dispensed quantity reached
``quantity``) nor closed short. A dispense draws on it and, only when it combines refills,
on the open fills after it. Everything here runs under the prescription's row lock.

A reversal gives each part back to its own fill: that fill is open again (unless it was
closed short, where the returned quantity joins what the close forfeited), and, being the
earliest open fill, takes the next dispense. A fill with nothing left standing is not begun:
its next dispense starts it again (partial 1, with the fees and the refill-timing check).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from lienrx.core import clock
from lienrx.core.errors import Conflict
from lienrx.core.schemas import plain_number
from lienrx.prescribing.models import Prescription, PrescriptionFill


@dataclass(frozen=True)
class Part:
    """What one dispense drew from one fill, and its partial sequence number in that fill."""

    refill_number: int
    quantity: Decimal
    partial_sequence: int

    def as_json(self) -> dict[str, Any]:
        return {"refill_number": self.refill_number, "quantity": plain_number(self.quantity),
                "partial_sequence": self.partial_sequence}

    @classmethod
    def from_json(cls, item: dict[str, Any]) -> Part:
        return cls(int(item["refill_number"]), Decimal(str(item["quantity"])),
                   int(item["partial_sequence"]))


@dataclass(frozen=True)
class CurrentFill:
    """The fill the next dispense draws on: its number, size, what has gone out of it."""

    refill_number: int
    size: Decimal
    dispensed: Decimal
    next_partial: int

    @property
    def remaining(self) -> Decimal:
        return self.size - self.dispensed

    @property
    def begun(self) -> bool:
        return self.dispensed > 0


@dataclass(frozen=True)
class FillPlan:
    """Where a dispense's quantity goes: one part per fill, and whether it starts a fill (so
    charges the fees and is subject to refill timing). Several parts: combined refills."""

    parts: tuple[Part, ...]
    starts_fill: bool
    current: CurrentFill

    @property
    def refill_number(self) -> int:
        return self.parts[0].refill_number

    @property
    def partial_sequence(self) -> int:
        return self.parts[0].partial_sequence

    @property
    def parts_json(self) -> list[dict[str, Any]]:
        return [part.as_json() for part in self.parts]


def describe(prescription: Prescription, refill_number: int) -> str:
    """A fill as people name it: "the original fill", "refill 2 of 3"."""
    if refill_number == 0:
        return "the original fill"
    return f"refill {refill_number} of {prescription.refills_authorized}"


def _by_number(prescription: Prescription) -> dict[int, PrescriptionFill]:
    return {fill.refill_number: fill for fill in prescription.fills}


def _open(prescription: Prescription, fill: PrescriptionFill | None) -> bool:
    return fill is None or (not fill.closed_short
                            and Decimal(fill.quantity_dispensed) < Decimal(prescription.quantity))


def _state(prescription: Prescription, number: int,
           fill: PrescriptionFill | None) -> CurrentFill:
    dispensed = Decimal(fill.quantity_dispensed) if fill is not None else Decimal(0)
    next_partial = fill.last_partial + 1 if fill is not None and dispensed > 0 else 1
    return CurrentFill(number, Decimal(prescription.quantity), dispensed, next_partial)


def current_fill(prescription: Prescription) -> CurrentFill | None:
    """The fill in progress (or the next to begin); None when every fill is done."""
    fills = _by_number(prescription)
    for number in range(prescription.fills_authorized):
        if _open(prescription, fills.get(number)):
            return _state(prescription, number, fills.get(number))
    return None


def plan_fill(prescription: Prescription, quantity: Decimal, *, combine: bool) -> FillPlan:
    """Draw ``quantity`` on the fill in progress, and on the next open fills if ``combine``.

    More than the fill in progress holds, without ``combine``: 409 ``quantity_exceeds_fill``;
    more than every open fill holds: 409 ``refills_exhausted``.
    """
    current = current_fill(prescription)
    unit = prescription.product.unit
    if current is None:
        raise Conflict("refills_exhausted", "Every fill of this prescription has gone out.")
    if quantity <= current.remaining:
        part = Part(current.refill_number, quantity, current.next_partial)
        return FillPlan((part,), not current.begun, current)
    if not combine:
        how = ("a controlled product never goes beyond the fill in progress"
               if prescription.controlled else
               "dispense the rest of this fill, or combine refills to draw on the next fills")
        raise Conflict("quantity_exceeds_fill",
                       f"Only {plain_number(current.remaining)} {unit} remain of "
                       f"{describe(prescription, current.refill_number)} "
                       f"({plain_number(current.size)} {unit} per fill): {how}.",
                       refill_number=current.refill_number,
                       fill_remaining=plain_number(current.remaining))
    fills = _by_number(prescription)
    parts = [Part(current.refill_number, current.remaining, current.next_partial)]
    starts, left = not current.begun, quantity - current.remaining
    for number in range(current.refill_number + 1, prescription.fills_authorized):
        fill = fills.get(number)
        if left <= 0:
            break
        if not _open(prescription, fill):
            continue
        state = _state(prescription, number, fill)
        take = min(left, state.remaining)
        parts.append(Part(number, take, state.next_partial))
        starts, left = starts or not state.begun, left - take
    if left > 0:
        raise Conflict("refills_exhausted",
                       f"Only {plain_number(quantity - left)} {unit} remain in the open fills.")
    return FillPlan(tuple(parts), starts, current)


def take(prescription: Prescription, plan: FillPlan) -> None:
    """Count the plan's parts as dispensed from their fills (begun ones get a row, written
    with the caller's next flush)."""
    fills = _by_number(prescription)
    for part in plan.parts:
        fill = fills.get(part.refill_number)
        if fill is None:
            fill = PrescriptionFill(refill_number=part.refill_number,
                                    quantity_dispensed=Decimal(0), last_partial=0)
            prescription.fills.append(fill)
        fill.quantity_dispensed = Decimal(fill.quantity_dispensed) + part.quantity
        fill.last_partial = part.partial_sequence


def give_back(prescription: Prescription, parts: list[Part]) -> Decimal:
    """Return a reversed dispense's parts to their fills; return what a closed fill forfeits.

    The latest partial of a fill given back frees its sequence number for the next one.
    """
    fills = _by_number(prescription)
    forfeited = Decimal(0)
    for part in parts:
        fill = fills[part.refill_number]
        fill.quantity_dispensed = max(Decimal(0), Decimal(fill.quantity_dispensed) - part.quantity)
        if fill.last_partial == part.partial_sequence:
            fill.last_partial -= 1
        if fill.closed_short:
            forfeited += part.quantity
    return forfeited


def close_short(prescription: Prescription, user_id: int | None, reason: str) -> Decimal:
    """Close the fill in progress short; return the quantity it forfeits.

    Only a begun fill can be closed (409 ``invalid_transition`` otherwise).
    """
    current = current_fill(prescription)
    if current is None or not current.begun:
        raise Conflict("invalid_transition",
                       "No fill is in progress: only a partly dispensed fill can be closed short.")
    fill = _by_number(prescription)[current.refill_number]
    fill.closed_short_at, fill.closed_short_by_user_id = clock.utcnow(), user_id
    fill.closed_short_reason = reason
    return current.remaining
