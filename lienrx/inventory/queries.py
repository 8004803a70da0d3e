"""Read models of the controlled-substance inventory (no PHI: lots and movements name no
patient; a dispense is named by its id only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

from lienrx.core import clock
from lienrx.core.paging import Page, fetch_page
from lienrx.extensions import db
from lienrx.formulary.models import FormulationIngredient, MasterFormulation, Product
from lienrx.inventory import rules
from lienrx.inventory.models import (
    InventoryCount,
    InventoryCountLine,
    InventoryDestruction,
    InventoryLot,
    InventoryMovement,
)
from lienrx.prescribing import rules as prescribing_rules

LIMIT = 100


def drug_name() -> sa.ColumnElement[str]:
    """What a lot holds, by name: its component, else its product's name (join Product)."""
    return sa.func.coalesce(InventoryLot.component, Product.name)


def mfr_components() -> list[str]:
    """Every component a master formulation names, as it names it."""
    return list(db.session.execute(
        sa.select(FormulationIngredient.component).distinct()
        .order_by(FormulationIngredient.component)).scalars())


def component_ndcs(component: str) -> list[str]:
    """The 11-digit NDCs a bulk component is known by: those its master formulations name
    and those it was received under before."""
    named = sa.select(FormulationIngredient.ndc).where(
        FormulationIngredient.component == component, FormulationIngredient.ndc.is_not(None))
    received = sa.select(InventoryLot.ndc).where(InventoryLot.component == component)
    return sorted({ndc for ndc in db.session.execute(named.union(received)).scalars() if ndc})


def receipt_drug(component: str | None, product_id: int | None) -> tuple[str, list[str]] | None:
    """The name and 11-digit NDCs of what a receipt names: its commercial product, else its
    bulk component; None when it names neither."""
    product = db.session.get(Product, product_id) if product_id is not None else None
    if product is not None and product.kind == "commercial":
        return product.name, [row.ndc for row in product.ndcs]
    if component:
        return component, component_ndcs(component)
    return None


def _effective(federal: str | None, dur_classes: list[str] | None) -> str | None:
    return prescribing_rules.schedule_in_state(federal, dur_classes or [],
                                               current_app.config["LIENRX_PHARMACY_STATE"])


def product_schedule(product: Product) -> str | None:
    """The schedule governing a product in the pharmacy's state (None: not controlled)."""
    return _effective(product.dea_schedule, product.dur_classes)


def component_schedule(component: str) -> str | None:
    """The schedule of a bulk component, the one test of whether a component is controlled:
    the strictest of the schedules master formulations give it as an ingredient and of the
    products it is the active ingredient of (ketamine HCl powder → III, as KET-CRM-10 is);
    None when none is controlled."""
    given = db.session.execute(
        sa.select(FormulationIngredient.dea_schedule).distinct()
        .where(FormulationIngredient.component == component,
               FormulationIngredient.dea_schedule.is_not(None))).scalars()
    using = (sa.select(MasterFormulation.product_id)
             .join(FormulationIngredient,
                   FormulationIngredient.formulation_id == MasterFormulation.id)
             .where(FormulationIngredient.component == component,
                    FormulationIngredient.role == "api"))
    products = db.session.execute(sa.select(Product).where(Product.id.in_(using))).scalars()
    found = [s for s in given if s is not None]
    found += [s for p in products if (s := product_schedule(p)) is not None]
    return min(found, key=prescribing_rules.SCHEDULE_STRICTNESS.index) if found else None


def held(lot_id: int) -> Decimal:
    """What open destructions hold of a lot: on hand, but not to be drawn."""
    total = db.session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(InventoryDestruction.quantity), 0))
        .where(InventoryDestruction.lot_id == lot_id,
               InventoryDestruction.status == "open")).scalar_one()
    return Decimal(total)


def book_quantity(lot_id: int, at: datetime) -> Decimal:
    """A lot's on hand as the journal stood at the moment ``at`` (what a count expects)."""
    total = db.session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(InventoryMovement.quantity), 0))
        .where(InventoryMovement.lot_id == lot_id,
               InventoryMovement.recorded_at <= at)).scalar_one()
    return Decimal(total)


def drawn_by(lot_id: int, source: tuple[str, int]) -> Decimal:
    """What ``source`` took from a lot and has not yet given back (draws less returns)."""
    total = db.session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(InventoryMovement.quantity), 0))
        .where(InventoryMovement.lot_id == lot_id,
               InventoryMovement.source_type == source[0],
               InventoryMovement.source_id == source[1],
               InventoryMovement.kind.in_((*rules.DRAW_KINDS, "return_to_stock")))
    ).scalar_one()
    return -Decimal(total)


def list_lots(*, component: str | None = None, product_id: int | None = None,
              controlled: bool | None = None, in_stock: bool = False, page: int = 1,
              page_size: int | None = 50) -> Page[InventoryLot]:
    """Lots by drug, then expiry (soonest first), filtered as asked."""
    query = (sa.select(InventoryLot).outerjoin(Product, Product.id == InventoryLot.product_id)
             .order_by(drug_name(), InventoryLot.expiration_date, InventoryLot.id))
    if component is not None:
        query = query.where(InventoryLot.component == component)
    if product_id is not None:
        query = query.where(InventoryLot.product_id == product_id)
    if controlled is not None:
        query = query.where(InventoryLot.dea_schedule.is_not(None) if controlled
                            else InventoryLot.dea_schedule.is_(None))
    if in_stock:
        query = query.where(InventoryLot.on_hand > 0)
    return fetch_page(query, page=page, page_size=page_size,
                      options=[selectinload(InventoryLot.product)])


def movements(lot_id: int, *, page: int = 1, page_size: int | None = 50
              ) -> Page[InventoryMovement]:
    """A lot's journal, oldest first."""
    return fetch_page(sa.select(InventoryMovement).where(InventoryMovement.lot_id == lot_id)
                      .order_by(InventoryMovement.id), page=page, page_size=page_size)


def open_destructions() -> list[InventoryDestruction]:
    """Stock set aside for a witnessed destruction, oldest first."""
    return list(db.session.execute(
        sa.select(InventoryDestruction).where(InventoryDestruction.status == "open")
        .order_by(InventoryDestruction.id)).scalars())


@dataclass(frozen=True)
class BiennialStatus:
    """When the biennial inventory is due: ``last`` taken (None: never), ``due_on``."""

    last: date | None
    due_on: date | None

    def shown(self, today: date) -> bool:
        """Whether the work queue shows it: never taken, or due within the warning days."""
        return self.due_on is None or (self.due_on - today).days <= rules.BIENNIAL_WARNING_DAYS


def biennial_status() -> BiennialStatus | None:
    """The biennial inventory's due date; None when the pharmacy holds nothing controlled
    and never counted (there is nothing to inventory)."""
    last = db.session.execute(
        sa.select(sa.func.max(InventoryCount.counted_at))
        .where(InventoryCount.kind == "biennial")).scalar_one()
    if last is None:
        any_controlled = db.session.execute(
            sa.select(InventoryLot.id).where(InventoryLot.dea_schedule.is_not(None))
            .limit(1)).first()
        return BiennialStatus(None, None) if any_controlled else None
    taken = clock.local_date(last)
    return BiennialStatus(taken, rules.biennial_due(taken))


def lots_with_variance() -> Page[InventoryCountLine]:
    """Count lines whose lot's latest count found a variance (to investigate)."""
    latest = (sa.select(InventoryCountLine.lot_id,
                        sa.func.max(InventoryCountLine.id).label("line_id"))
              .group_by(InventoryCountLine.lot_id).subquery())
    return fetch_page(
        sa.select(InventoryCountLine).join(latest, latest.c.line_id == InventoryCountLine.id)
        .where(InventoryCountLine.counted != InventoryCountLine.expected)
        .order_by(InventoryCountLine.id), page_size=LIMIT)


@dataclass(frozen=True)
class LossNotice:
    """A loss or theft and its deadlines: written notice to the DEA within one business
    day of discovery, DEA Form 106 within 45 days."""

    movement: InventoryMovement
    notice_due: date
    form_106_due: date


def loss_notices(today: date) -> list[LossNotice]:
    """Losses and thefts whose Form 106 is still within its 45 days, newest first."""
    since = today - timedelta(days=rules.FORM_106_DAYS)
    found = db.session.execute(
        sa.select(InventoryMovement).where(InventoryMovement.kind.in_(rules.NEEDS_DISCOVERY),
                                           InventoryMovement.discovered_on >= since)
        .order_by(InventoryMovement.discovered_on.desc(), InventoryMovement.id)).scalars()
    return [LossNotice(m, rules.add_business_days(m.discovered_on, rules.NOTICE_BUSINESS_DAYS),
                       m.discovered_on + timedelta(days=rules.FORM_106_DAYS))
            for m in found if m.discovered_on is not None]
