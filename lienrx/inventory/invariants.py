"""The inventory's invariants (SPEC §7.5), checked over every lot and its whole journal."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa

from lienrx.extensions import db
from lienrx.inventory import rules
from lienrx.inventory.models import InventoryDestruction, InventoryLot, InventoryMovement


@dataclass(frozen=True)
class Drawn:
    """A record kept outside the inventory (a compounding record's controlled ingredient, a
    controlled dispense, its reversal) and the stock it says it moved: ``quantity`` (in the
    lot's unit) of lot ``lot_id``, by movements of ``kind`` whose source is ``source`` (a
    draw takes it, a ``return_to_stock`` puts it back; ``set_aside``: an open or completed
    destruction of ``source`` holds it too). ``lot_id`` None: the record names no received
    lot. The domains that keep such records list them (the inventory depends on neither)
    through :func:`register`; ``lienrx inventory verify`` checks them."""

    record: str
    lot_id: int | None
    kind: str
    source: tuple[str, int]
    quantity: Decimal
    set_aside: bool = False


_SOURCES: list[Callable[[], Iterable[Drawn]]] = []


def register(source: Callable[[], Iterable[Drawn]]) -> None:
    """Add a domain's list of the records that say they moved stock (called on import)."""
    if source not in _SOURCES:
        _SOURCES.append(source)


def drawn_records() -> Iterator[Drawn]:
    """Every record the registered domains list."""
    for source in _SOURCES:
        yield from source()


def check_inventory(drawn: Iterable[Drawn] = ()) -> tuple[int, list[str]]:
    """Return the number of lots checked and a description of every broken invariant: a lot
    whose on hand is not the sum of its movements, a lot below zero, then every record in
    ``drawn`` whose movements do not move what it says."""
    sums = sa.select(InventoryMovement.lot_id,
                     sa.func.sum(InventoryMovement.quantity).label("total")) \
        .group_by(InventoryMovement.lot_id).subquery()
    rows = db.session.execute(
        sa.select(InventoryLot.id, InventoryLot.lot_number, InventoryLot.on_hand, sums.c.total)
        .outerjoin(sums, sums.c.lot_id == InventoryLot.id).order_by(InventoryLot.id)).all()
    problems: list[str] = []
    for lot_id, lot_number, on_hand, total in rows:
        journal = Decimal(total or 0)
        if Decimal(on_hand) != journal:
            problems.append(f"lot {lot_id} ({lot_number}) shows {on_hand} on hand; its "
                            f"movements sum to {journal}")
        if journal < 0:
            problems.append(f"lot {lot_id} ({lot_number}) is below zero ({journal})")
    problems += [problem for item in drawn if (problem := _mismatch(item)) is not None]
    return len(rows), problems


def _mismatch(item: Drawn) -> str | None:
    if item.lot_id is None:
        return f"{item.record}: names no received inventory lot for its {item.kind}"
    moved = rules.KIND_SIGNS[item.kind] * Decimal(db.session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(InventoryMovement.quantity), 0))
        .where(InventoryMovement.lot_id == item.lot_id, InventoryMovement.kind == item.kind,
               InventoryMovement.source_type == item.source[0],
               InventoryMovement.source_id == item.source[1])).scalar_one())
    if moved != item.quantity:
        if moved == 0:
            return f"{item.record}: no {item.kind} movement of lot {item.lot_id} records it"
        verb = "take" if rules.KIND_SIGNS[item.kind] < 0 else "put back"
        return (f"{item.record}: its {item.kind} movements {verb} {moved} of lot "
                f"{item.lot_id}; the record says {item.quantity}")
    if item.set_aside:
        return _unset_aside(item)
    return None


def _unset_aside(item: Drawn) -> str | None:
    held = Decimal(db.session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(InventoryDestruction.quantity), 0))
        .where(InventoryDestruction.lot_id == item.lot_id,
               InventoryDestruction.source_type == item.source[0],
               InventoryDestruction.source_id == item.source[1])).scalar_one())
    if held == item.quantity:
        return None
    return (f"{item.record}: destructions of lot {item.lot_id} hold {held} of it; the record "
            f"says {item.quantity} is to be destroyed")
