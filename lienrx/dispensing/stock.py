"""A controlled commercial fill comes out of the perpetual inventory (SPEC §7.5): it draws
from the received lot its NDC and lot number name, and its reversal puts the stock back or
sets it aside for a witnessed destruction. A compounded fill draws nothing here: its batch
drew the controlled ingredients."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import sqlalchemy as sa

from lienrx.core.actors import Actor
from lienrx.core.errors import field_error
from lienrx.dispensing.models import Dispense
from lienrx.extensions import db
from lienrx.inventory import invariants
from lienrx.inventory import services as inventory
from lienrx.inventory.models import InventoryLot
from lienrx.prescribing import rules as rx_rules
from lienrx.prescribing.models import Prescription

SOURCE = "dispense"


def draws_stock(prescription: Prescription) -> bool:
    """A commercial product scheduled where the pharmacy is: each fill draws from a lot."""
    return prescription.controlled and prescription.product.kind == "commercial"


def stock_lot(prescription: Prescription, ndc: str | None,
              lot_number: str | None) -> InventoryLot | None:
    """The received lot a controlled commercial fill draws from, locked (after the
    prescription and before the DUR alerts); None for a fill that draws nothing. 422 on
    ``lot_number`` when it is missing or names no received lot of the NDC."""
    if not draws_stock(prescription) or ndc is None:
        return None
    schedule = prescription.schedule
    if not lot_number:
        raise field_error("lot_number", f"Schedule {schedule}: name the lot of NDC {ndc} the "
                                        "fill is taken from (a received inventory lot).")
    lot = inventory.lot_for_ndc(ndc, lot_number)
    if lot is None:
        raise field_error("lot_number", f"Schedule {schedule}: no lot {lot_number} of NDC "
                                        f"{ndc} was received into the inventory.")
    return inventory.lock_lot(lot.id)


def draw_fill(actor: Actor, record: Dispense, lot: InventoryLot | None) -> None:
    """Draw the fill's quantity from its lot, dated the fill date (409
    ``insufficient_inventory`` when the lot holds less)."""
    if lot is None:
        return
    inventory.draw(actor, lot, Decimal(record.quantity), "dispense",
                   source=(SOURCE, record.id), occurred_on=record.dispensed_on)
    record.inventory_lot_id = lot.id
    db.session.flush()


def lock_drawn_lot(record: Dispense) -> InventoryLot | None:
    """Lock the lot a fill drew from (before the dispense itself, in the lock order)."""
    if record.inventory_lot_id is None:
        return None
    return inventory.lock_lot(record.inventory_lot_id)


def check_disposition(prescription: Prescription, disposition: str | None) -> None:
    """The reversal of a controlled fill names its ``disposition`` (API.md: required for a
    controlled product); a fill that is not controlled names none (422 either way)."""
    if prescription.controlled and disposition is None:
        raise field_error("disposition", f"Schedule {prescription.schedule}: say whether the "
                                         "fill returns to stock (it never left the pharmacy) "
                                         "or is to be destroyed.")
    if not prescription.controlled and disposition is not None:
        raise field_error("disposition", "This product is not controlled; its reversal has no "
                                         "disposition.")


def give_back(actor: Actor, record: Dispense, lot: InventoryLot | None,
              disposition: str | None, reason: str) -> None:
    """Keep the disposition on the dispense; a fill drawn from a lot returns its stock there,
    or sets it aside for a witnessed destruction (DEA Form 41)."""
    record.disposition = disposition
    if lot is None or disposition is None:
        db.session.flush()
        return
    why = f"Dispense {record.id} reversed: {reason}"
    if disposition == "destroy":
        inventory.open_destruction(actor, lot, Decimal(record.quantity), reason=why,
                                   source=(SOURCE, record.id))
    else:
        inventory.return_to_stock(actor, lot, Decimal(record.quantity),
                                  source=(SOURCE, record.id), reason=why)
    db.session.flush()


def drawn_by_fills() -> Iterator[invariants.Drawn]:
    """Every controlled commercial fill, as the stock it drew, and every reversal of one, as
    the stock it put back (and, destroyed, set aside)."""
    rows = db.session.execute(
        sa.select(Dispense.id, Dispense.prescription_id, Dispense.fill_number,
                  Dispense.inventory_lot_id, Dispense.quantity, Dispense.status,
                  Dispense.disposition)
        .join(Prescription, Prescription.id == Dispense.prescription_id)
        .where(Prescription.schedule != rx_rules.NON_CONTROLLED,
               Dispense.compounding_record_id.is_(None))
        .order_by(Dispense.id)).all()
    for row in rows:
        name = f"dispense {row.id} (RX{row.prescription_id:07d} fill {row.fill_number})"
        quantity = Decimal(row.quantity)
        yield invariants.Drawn(name, row.inventory_lot_id, "dispense", (SOURCE, row.id),
                               quantity)
        if row.status == "reversed" and row.inventory_lot_id is not None:
            yield invariants.Drawn(f"reversal of {name}", row.inventory_lot_id,
                                   "return_to_stock", (SOURCE, row.id), quantity,
                                   set_aside=row.disposition == "destroy")


invariants.register(drawn_by_fills)
