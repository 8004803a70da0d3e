"""The inventory's invariants (SPEC §7.5), checked over every lot and its whole journal."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa

from lienrx.extensions import db
from lienrx.inventory.models import InventoryLot, InventoryMovement


@dataclass(frozen=True)
class Drawn:
    """A record kept outside the inventory (a compounding record's controlled ingredient, a
    controlled dispense) and the stock it says it took: ``quantity`` (in the lot's unit) of
    lot ``lot_id``, by movements of ``kind`` whose source is ``source``. The domains that
    keep such records list them (the inventory depends on neither); ``lienrx inventory
    verify`` checks them."""

    record: str
    lot_id: int
    kind: str
    source: tuple[str, int]
    quantity: Decimal


def check_inventory(drawn: Iterable[Drawn] = ()) -> tuple[int, list[str]]:
    """Return the number of lots checked and a description of every broken invariant: a lot
    whose on hand is not the sum of its movements, a lot below zero, then every record in
    ``drawn`` whose movements do not take what it says."""
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
    taken = db.session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(InventoryMovement.quantity), 0))
        .where(InventoryMovement.lot_id == item.lot_id, InventoryMovement.kind == item.kind,
               InventoryMovement.source_type == item.source[0],
               InventoryMovement.source_id == item.source[1])).scalar_one()
    if -Decimal(taken) == item.quantity:
        return None
    if taken == 0:
        return f"{item.record}: no {item.kind} movement of lot {item.lot_id} records it"
    return (f"{item.record}: its {item.kind} movements take {-Decimal(taken)} of lot "
            f"{item.lot_id}; the record says {item.quantity}")
