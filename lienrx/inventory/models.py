"""The perpetual inventory of controlled substances: lots, their movement journal, counts and
destructions awaiting witnesses (SPEC §7.5, 21 CFR 1304)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lienrx.core import clock
from lienrx.core.db import UTCDateTime, one_of
from lienrx.extensions import db
from lienrx.formulary.models import Product
from lienrx.inventory import rules

QUANTITY = sa.Numeric(14, 3)
DESTRUCTION_STATUSES = ("open", "destroyed")


def _signs_check() -> sa.CheckConstraint:
    """A movement's quantity has the sign its kind says (rules.KIND_SIGNS), never zero."""
    def kinds(sign: int) -> str:
        return ", ".join(f"'{k}'" for k, s in rules.KIND_SIGNS.items() if s == sign)
    return sa.CheckConstraint(
        f"(kind IN ({kinds(1)}) AND quantity > 0) OR (kind IN ({kinds(-1)}) AND quantity < 0) "
        f"OR (kind IN ({kinds(0)}) AND quantity <> 0)", name="sign_follows_kind")


class InventoryLot(db.Model):  # type: ignore[name-defined]
    """One received lot of a drug: a bulk component (as named in the master formulations) or
    a commercial product, identified by its NDC and the manufacturer's lot number.

    ``on_hand`` is the sum of the lot's movements, kept in the same transaction as each
    movement under the lot's row lock; ``lienrx inventory verify`` checks it. ``dea_schedule``
    is the schedule that governed the drug in the pharmacy's state when first received.
    """

    __tablename__ = "inventory_lots"

    id: Mapped[int] = mapped_column(primary_key=True)
    component: Mapped[str | None] = mapped_column(sa.String(200), index=True)
    product_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("products.id", ondelete="RESTRICT"), index=True)
    ndc: Mapped[str] = mapped_column(sa.String(11))
    lot_number: Mapped[str] = mapped_column(sa.String(60))
    expiration_date: Mapped[date]
    unit: Mapped[str] = mapped_column(sa.String(8))
    dea_schedule: Mapped[str | None] = mapped_column(sa.String(3))
    on_hand: Mapped[Decimal] = mapped_column(QUANTITY)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.utcnow)

    product: Mapped[Product | None] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("ndc", "lot_number"),
        sa.CheckConstraint("(component IS NULL) <> (product_id IS NULL)",
                           name="component_or_product"),
        sa.CheckConstraint("length(ndc) = 11", name="ndc_11_digits"),
        sa.CheckConstraint("on_hand >= 0", name="never_negative"),
        one_of("unit", rules.UNITS, "unit_known"),
        sa.CheckConstraint("dea_schedule IS NULL OR dea_schedule IN ('II', 'III', 'IV', 'V')",
                           name="schedule_known"),
    )

    @property
    def controlled(self) -> bool:
        return self.dea_schedule is not None

    @property
    def drug(self) -> str:
        """What the lot holds, by name: its component, else its product's name."""
        return self.component or (self.product.name if self.product is not None else "")


class InventoryMovement(db.Model):  # type: ignore[name-defined]
    """One entry of a lot's journal: a signed quantity in the lot's unit. Append-only (the
    database refuses UPDATE and DELETE); a mistake is corrected by a further movement.

    ``occurred_on`` is the pharmacy's business date (received on, the fill or batch date,
    the discovery); ``recorded_at`` when it was written. Receipts carry the supplier's
    details, waste and destructions their witnesses (DEA Form 41), losses and thefts their
    discovery (DEA Form 106); ``source`` names the record that drew or returned stock.
    """

    __tablename__ = "inventory_movements"

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(
        sa.ForeignKey("inventory_lots.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    quantity: Mapped[Decimal] = mapped_column(QUANTITY)
    occurred_on: Mapped[date] = mapped_column(index=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.utcnow)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    source_type: Mapped[str | None] = mapped_column(sa.String(30))
    source_id: Mapped[int | None]
    reason: Mapped[str | None] = mapped_column(sa.String(1000))
    supplier: Mapped[str | None] = mapped_column(sa.String(200))
    supplier_dea_number: Mapped[str | None] = mapped_column(sa.String(9))
    invoice_number: Mapped[str | None] = mapped_column(sa.String(60))
    witnesses: Mapped[list[str] | None] = mapped_column(sa.JSON)
    method: Mapped[str | None] = mapped_column(sa.String(200))
    discovered_on: Mapped[date | None]

    lot: Mapped[InventoryLot] = relationship()

    __table_args__ = (
        one_of("kind", rules.KINDS, "kind_known"),
        _signs_check(),
        sa.CheckConstraint("kind <> 'receipt' OR (supplier IS NOT NULL AND "
                           "supplier_dea_number IS NOT NULL AND invoice_number IS NOT NULL)",
                           name="receipt_names_supplier"),
        sa.CheckConstraint("kind <> 'destruction' OR method IS NOT NULL",
                           name="destruction_names_method"),
        sa.CheckConstraint("kind NOT IN ('loss', 'theft') OR discovered_on IS NOT NULL",
                           name="loss_names_discovery"),
        sa.CheckConstraint("(source_type IS NULL) = (source_id IS NULL)", name="source_whole"),
        sa.Index("ix_inventory_movements_source", "source_type", "source_id"),
    )

    @property
    def source(self) -> dict[str, Any] | None:
        if self.source_type is None:
            return None
        return {"type": self.source_type, "id": self.source_id}


class InventoryDestruction(db.Model):  # type: ignore[name-defined]
    """Stock set aside to be destroyed (a reversed controlled dispense, say): it stays in the
    lot's on hand, held from drawing, until the witnessed ``destruction`` movement removes
    it (DEA Form 41)."""

    __tablename__ = "inventory_destructions"

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(
        sa.ForeignKey("inventory_lots.id", ondelete="RESTRICT"), index=True)
    quantity: Mapped[Decimal] = mapped_column(QUANTITY)
    status: Mapped[str] = mapped_column(sa.String(10), default="open")
    reason: Mapped[str] = mapped_column(sa.String(1000))
    source_type: Mapped[str | None] = mapped_column(sa.String(30))
    source_id: Mapped[int | None]
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.utcnow)
    opened_by_user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"))
    movement_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("inventory_movements.id", ondelete="RESTRICT"), unique=True)

    lot: Mapped[InventoryLot] = relationship()

    __table_args__ = (
        one_of("status", DESTRUCTION_STATUSES, "status_known"),
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
        sa.CheckConstraint("(status = 'destroyed') = (movement_id IS NOT NULL)",
                           name="destroyed_iff_movement"),
    )


class InventoryCount(db.Model):  # type: ignore[name-defined]
    """A physical count of controlled stock (biennial or periodic), taken at the opening or
    the close of business (21 CFR 1304.11), one line per lot."""

    __tablename__ = "inventory_counts"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(10))
    counted_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    business_hours: Mapped[str] = mapped_column(sa.String(8))
    counted_by_user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.utcnow)

    lines: Mapped[list[InventoryCountLine]] = relationship(
        order_by="InventoryCountLine.id", back_populates="count")

    __table_args__ = (
        one_of("kind", rules.COUNT_KINDS, "kind_known"),
        one_of("business_hours", rules.BUSINESS_HOURS, "business_hours_known"),
    )


class InventoryCountLine(db.Model):  # type: ignore[name-defined]
    """One lot counted: what the books expected at the moment of the count, what was found,
    and the adjustment movement that posted the variance (none when they agree)."""

    __tablename__ = "inventory_count_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    count_id: Mapped[int] = mapped_column(
        sa.ForeignKey("inventory_counts.id", ondelete="RESTRICT"), index=True)
    lot_id: Mapped[int] = mapped_column(
        sa.ForeignKey("inventory_lots.id", ondelete="RESTRICT"), index=True)
    expected: Mapped[Decimal] = mapped_column(QUANTITY)
    counted: Mapped[Decimal] = mapped_column(QUANTITY)
    estimated: Mapped[bool] = mapped_column(default=False)
    movement_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("inventory_movements.id", ondelete="RESTRICT"), unique=True)

    count: Mapped[InventoryCount] = relationship(back_populates="lines")
    lot: Mapped[InventoryLot] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("count_id", "lot_id"),
        sa.CheckConstraint("counted >= 0", name="counted_not_negative"),
        sa.CheckConstraint("(counted = expected) = (movement_id IS NULL)",
                           name="adjusted_iff_variance"),
    )

    @property
    def variance(self) -> Decimal:
        return Decimal(self.counted) - Decimal(self.expected)
