"""Prescriptions: what a prescriber ordered for a case, and how much of it has been filled."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lienrx.core import clock
from lienrx.core.db import UTCDateTime, one_of
from lienrx.extensions import db
from lienrx.formulary.models import Product
from lienrx.parties.models import Prescriber
from lienrx.prescribing import rules


class Prescription(db.Model):  # type: ignore[name-defined]
    """A prescription for one product on one case.

    ``quantity`` is per fill; up to ``quantity × (1 + refills_authorized)`` may be dispensed
    in total, partial fills allowed. Dispensing maintains ``quantity_dispensed`` and
    ``fills_dispensed`` through :func:`lienrx.prescribing.services.record_fill`. ``schedule``
    is the schedule that governed it at entry (federal, or the state's own for drugs a state
    schedules, e.g. gabapentin in TN); ``non_controlled`` otherwise.
    """

    __tablename__ = "prescriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="RESTRICT"), index=True)
    prescriber_id: Mapped[int] = mapped_column(
        sa.ForeignKey("prescribers.id", ondelete="RESTRICT"), index=True)
    product_id: Mapped[int] = mapped_column(
        sa.ForeignKey("products.id", ondelete="RESTRICT"), index=True)
    sig: Mapped[str] = mapped_column(sa.String(1000))
    quantity: Mapped[Decimal] = mapped_column(sa.Numeric(12, 3))
    days_supply: Mapped[int]
    refills_authorized: Mapped[int]
    written_on: Mapped[date]
    expires_on: Mapped[date]
    schedule: Mapped[str] = mapped_column(sa.String(16))
    diagnosis_codes: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    source: Mapped[str | None] = mapped_column(sa.String(12))
    status: Mapped[str] = mapped_column(sa.String(12), default="active")
    quantity_dispensed: Mapped[Decimal] = mapped_column(sa.Numeric(12, 3), default=Decimal(0))
    fills_dispensed: Mapped[int] = mapped_column(default=0)
    entered_by_user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"))
    cancelled_by_user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=clock.utcnow, onupdate=clock.utcnow)

    product: Mapped[Product] = relationship()
    prescriber: Mapped[Prescriber] = relationship()

    __table_args__ = (
        one_of("status", rules.STORED_STATUSES, "status_known"),
        sa.CheckConstraint("source IS NULL OR source IN ('electronic', 'fax', 'written', "
                           "'verbal')", name="source_known"),
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
        sa.CheckConstraint("days_supply > 0", name="days_supply_positive"),
        sa.CheckConstraint("refills_authorized >= 0", name="refills_not_negative"),
        sa.CheckConstraint("expires_on >= written_on", name="expires_after_written"),
        sa.CheckConstraint("quantity_dispensed >= 0 AND "
                           "quantity_dispensed <= quantity * (1 + refills_authorized)",
                           name="dispensed_within_authorized"),
    )

    @property
    def quantity_authorized(self) -> Decimal:
        """Everything that may ever be dispensed: quantity × (1 + refills)."""
        return Decimal(self.quantity) * (1 + self.refills_authorized)

    @property
    def quantity_remaining(self) -> Decimal:
        return self.quantity_authorized - Decimal(self.quantity_dispensed)
