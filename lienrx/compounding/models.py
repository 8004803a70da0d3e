"""USP <795> compounding records: one batch made from a master formulation, and its lots."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lienrx.core import clock
from lienrx.core.db import UTCDateTime, one_of
from lienrx.extensions import db
from lienrx.formulary.models import MasterFormulation, Product

STATUSES = ("pending_verification", "verified", "rejected")


class CompoundingRecord(db.Model):  # type: ignore[name-defined]
    """One compounded batch: what was made, from which ingredient lots, by whom, checked by
    whom, and until when it may be dispensed (``beyond_use_date``, exclusive).

    ``remaining_quantity`` falls as dispensing draws from the batch; it never goes below zero.
    ``hazardous`` is copied from the product and formulation (USP <800> handling).
    ``qc_results`` maps each QC check's name to its result (text, or a plain decimal string
    for a numeric check). A rejected batch (who, when, why) is never dispensed.
    """

    __tablename__ = "compounding_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(
        sa.ForeignKey("products.id", ondelete="RESTRICT"), index=True)
    formulation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("master_formulations.id", ondelete="RESTRICT"))
    formulation_version: Mapped[int]
    lot_number: Mapped[str] = mapped_column(sa.String(40), unique=True)
    quantity: Mapped[Decimal] = mapped_column(sa.Numeric(12, 3))
    remaining_quantity: Mapped[Decimal] = mapped_column(sa.Numeric(12, 3))
    compounded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    compounded_by_user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"))
    verified_by_user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(sa.String(24), default="pending_verification")
    beyond_use_date: Mapped[date]
    bud_basis: Mapped[str] = mapped_column(sa.String(40))
    qc_results: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    deviations: Mapped[str | None] = mapped_column(sa.Text)
    rejection_reason: Mapped[str | None] = mapped_column(sa.String(500))
    # NO ACTION, not RESTRICT: SQLite added the column in place, where an ON DELETE of a
    # column's own REFERENCES is not read back; a referenced user is kept either way.
    rejected_by_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    rejected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hazardous: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.utcnow)

    product: Mapped[Product] = relationship()
    formulation: Mapped[MasterFormulation] = relationship()
    ingredient_lots: Mapped[list[IngredientLot]] = relationship(
        order_by="IngredientLot.position", cascade="all, delete-orphan")

    __table_args__ = (
        one_of("status", STATUSES, "status_known"),
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
        sa.CheckConstraint("remaining_quantity >= 0 AND remaining_quantity <= quantity",
                           name="remaining_within_batch"),
        sa.CheckConstraint("(status = 'verified') = (verified_by_user_id IS NOT NULL)",
                           name="verifier_iff_verified"),
    )


class IngredientLot(db.Model):  # type: ignore[name-defined]
    """The lot of one component actually used in a batch, and how much of it; a drug
    substance's lot records the NDC of its bulk container."""

    __tablename__ = "compounding_ingredient_lots"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(
        sa.ForeignKey("compounding_records.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    component: Mapped[str] = mapped_column(sa.String(200))
    vendor: Mapped[str | None] = mapped_column(sa.String(200))
    lot_number: Mapped[str] = mapped_column(sa.String(60))
    ndc: Mapped[str | None] = mapped_column(sa.String(11))
    expiration_date: Mapped[date]
    quantity: Mapped[Decimal] = mapped_column(sa.Numeric(14, 4))
    unit: Mapped[str] = mapped_column(sa.String(8))
    role: Mapped[str] = mapped_column(sa.String(10))
    hazardous: Mapped[bool] = mapped_column(default=False)

    __table_args__ = (
        sa.UniqueConstraint("record_id", "component"),
        sa.CheckConstraint("ndc IS NULL OR length(ndc) = 11", name="ndc_11_digits"),
    )
