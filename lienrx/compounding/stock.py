"""A batch's controlled ingredients come out of the perpetual inventory (SPEC §7.5): each is
weighed from a received lot of its component, and the batch draws what was weighed."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import ROUND_UP, Decimal
from typing import Any

import sqlalchemy as sa

from lienrx.compounding.models import CompoundingRecord, IngredientLot
from lienrx.core import clock
from lienrx.core.actors import Actor
from lienrx.core.errors import ValidationFailed
from lienrx.extensions import db
from lienrx.formulary import rules as formulary_rules
from lienrx.formulary.models import MasterFormulation
from lienrx.inventory import invariants
from lienrx.inventory import queries as inventory_queries
from lienrx.inventory import services as inventory
from lienrx.inventory.models import InventoryLot

SOURCE = "compounding_record"
LOT_PLACES = Decimal("0.001")  # the inventory keeps lots to the thousandth of their unit


def in_unit(quantity: Decimal, unit: str, target: str) -> Decimal | None:
    """``quantity`` of ``unit`` expressed in ``target`` (rounded up to the inventory's
    thousandth), or None when the two measure different things (grams and millilitres)."""
    for units in formulary_rules.UNIT_DIMENSIONS:
        if unit in units and target in units:
            amount = quantity * Decimal(units[unit]) / Decimal(units[target])
            return amount.quantize(LOT_PLACES, rounding=ROUND_UP)
    return None


def controlled(component: str) -> bool:
    """Whether a component is a controlled substance (the inventory's schedule for it)."""
    return inventory_queries.component_schedule(component) is not None


def _lot_problem(component: str, item: dict[str, Any],
                 lot: InventoryLot | None) -> tuple[str | None, Decimal | None]:
    if lot is None:
        ndc = f" with NDC {item['ndc']}" if item.get("ndc") else ""
        return (f"{component} is a controlled substance: lot {item['lot_number']}{ndc} must "
                "be received into the inventory before it is compounded.", None)
    amount = in_unit(Decimal(item["quantity"]), item["unit"], lot.unit)
    if amount is None:
        return (f"Lot {lot.lot_number} is kept in {lot.unit}; what is weighed in "
                f"{item['unit']} cannot be drawn from it.", None)
    return None, amount


def controlled_stock(formulation: MasterFormulation, items: list[dict[str, Any]]
                     ) -> list[tuple[InventoryLot, Decimal]]:
    """Each controlled ingredient's received lot and what was weighed of it, in the lot's
    unit. 422 on the ingredient's ``lot_number`` (``ingredients.<n>.lot_number``) when it is
    no received lot of the component, or one kept in a unit of another kind."""
    by_name = {f.component.lower(): f for f in formulation.ingredients}
    errors: dict[int, dict[str, list[str]]] = {}
    found: list[tuple[InventoryLot, Decimal]] = []
    for n, item in enumerate(items):
        component = by_name[item["component"].strip().lower()].component
        if not controlled(component):
            continue
        try:
            lot = inventory.lot_for_component(component, item["lot_number"], item.get("ndc"))
        except ValidationFailed as exc:
            errors[n] = exc.errors
            continue
        problem, amount = _lot_problem(component, item, lot)
        if problem is not None:
            errors[n] = {"lot_number": [problem]}
        elif lot is not None and amount is not None:
            found.append((lot, amount))
    if errors:
        raise ValidationFailed({"ingredients": errors})
    return found


def draw_ingredients(actor: Actor, record: CompoundingRecord,
                     stock: list[tuple[InventoryLot, Decimal]]) -> None:
    """Draw each controlled ingredient from its lot for ``record`` (lots locked in id order,
    after the product; 409 ``insufficient_inventory`` when a lot holds less)."""
    for lot, amount in sorted(stock, key=lambda pair: pair[0].id):
        inventory.draw(actor, lot, amount, "compounding_use", source=(SOURCE, record.id),
                       occurred_on=clock.local_date(record.compounded_at))


def _lot_of(component: str, used: IngredientLot) -> InventoryLot | None:
    query = sa.select(InventoryLot).where(InventoryLot.component == component,
                                          InventoryLot.lot_number == used.lot_number.strip())
    if used.ndc is not None:
        query = query.where(InventoryLot.ndc == used.ndc)
    found = list(db.session.execute(query.limit(2)).scalars())
    return found[0] if len(found) == 1 else None


def drawn_by_batches() -> Iterator[invariants.Drawn]:
    """Every controlled ingredient of every compounding record, as the stock it drew."""
    names = {c.lower(): c for c in inventory_queries.mfr_components() if controlled(c)}
    if not names:
        return
    used = db.session.execute(
        sa.select(IngredientLot, CompoundingRecord.lot_number)
        .join(CompoundingRecord, CompoundingRecord.id == IngredientLot.record_id)
        .where(sa.func.lower(IngredientLot.component).in_(list(names)))
        .order_by(IngredientLot.record_id, IngredientLot.position)).all()
    for ingredient, batch_lot in used:
        lot = _lot_of(names[ingredient.component.lower()], ingredient)
        amount = (in_unit(Decimal(ingredient.quantity), ingredient.unit, lot.unit)
                  if lot is not None else None)
        yield invariants.Drawn(
            f"compounding record {ingredient.record_id} ({batch_lot}), {ingredient.component} "
            f"lot {ingredient.lot_number}", lot.id if lot is not None else None,
            "compounding_use", (SOURCE, ingredient.record_id),
            amount if amount is not None else Decimal(ingredient.quantity))


invariants.register(drawn_by_batches)
