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
from lienrx.prescribing.dose import Dose

# A structured dose is whole (amount, unit and times per day, or none of them), times positive.
DOSE_COMPLETE = ("(dose_times_per_day IS NULL OR dose_times_per_day > 0) AND "
                 "(dose_amount IS NULL) = (dose_unit IS NULL) AND "
                 "(dose_amount IS NULL) = (dose_times_per_day IS NULL)")


class Prescription(db.Model):  # type: ignore[name-defined]
    """A prescription for one product on one case.

    It authorises ``1 + refills_authorized`` fills of ``quantity`` each (SPEC §7.2), a fill
    going out in one or more partial dispenses (``fills``, one row per fill begun).
    Dispensing maintains ``quantity_dispensed`` and ``fills_dispensed`` (dispenses so far)
    through :mod:`lienrx.prescribing.fills`; ``quantity_forfeited`` is what fills closed short
    gave up. ``schedule``
    is the schedule that governed it at entry (federal, or the state's own for drugs a state
    schedules, e.g. gabapentin in TN); ``non_controlled`` otherwise. ``indication`` (the
    prescriber's stated reason, required at entry) and the optional structured dose
    ``dose_*`` (SPEC §7.3) are empty on prescriptions entered before they existed.
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
    indication: Mapped[str | None] = mapped_column(sa.String(500))
    dose_amount: Mapped[Decimal | None] = mapped_column(sa.Numeric(12, 3))
    dose_unit: Mapped[str | None] = mapped_column(sa.String(12))
    dose_times_per_day: Mapped[Decimal | None] = mapped_column(sa.Numeric(6, 3))
    source: Mapped[str | None] = mapped_column(sa.String(12))
    status: Mapped[str] = mapped_column(sa.String(12), default="active")
    quantity_dispensed: Mapped[Decimal] = mapped_column(sa.Numeric(12, 3), default=Decimal(0))
    fills_dispensed: Mapped[int] = mapped_column(default=0)
    quantity_forfeited: Mapped[Decimal] = mapped_column(sa.Numeric(12, 3), default=Decimal(0))
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
    fills: Mapped[list[PrescriptionFill]] = relationship(
        order_by="PrescriptionFill.refill_number", cascade="all, delete-orphan",
        back_populates="prescription")

    __table_args__ = (
        one_of("status", rules.STORED_STATUSES, "status_known"),
        sa.CheckConstraint("source IS NULL OR source IN ('electronic', 'fax', 'written', "
                           "'verbal')", name="source_known"),
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
        sa.CheckConstraint("dose_amount IS NULL OR dose_amount > 0", name="dose_amount_positive"),
        one_of("dose_unit", rules.DOSE_UNITS, "dose_unit_known"),
        sa.CheckConstraint(DOSE_COMPLETE, name="dose_complete"),
        sa.CheckConstraint("days_supply > 0", name="days_supply_positive"),
        sa.CheckConstraint("refills_authorized >= 0", name="refills_not_negative"),
        sa.CheckConstraint("expires_on >= written_on", name="expires_after_written"),
        sa.CheckConstraint("quantity_dispensed >= 0 AND "
                           "quantity_dispensed <= quantity * (1 + refills_authorized)",
                           name="dispensed_within_authorized"),
        sa.CheckConstraint("quantity_forfeited >= 0 AND quantity_dispensed + quantity_forfeited"
                           " <= quantity * (1 + refills_authorized)",
                           name="consumed_within_authorized"),
    )

    @property
    def dose(self) -> Dose | None:
        """The structured dose, when one was entered."""
        if self.dose_amount is None or self.dose_unit is None or self.dose_times_per_day is None:
            return None
        return Dose(Decimal(self.dose_amount), self.dose_unit, Decimal(self.dose_times_per_day))

    @property
    def daily_amount(self) -> Decimal | None:
        """Dose amount × times per day, in the dose's unit (None without a dose)."""
        dose = self.dose
        return None if dose is None else dose.daily_amount

    @property
    def quantity_authorized(self) -> Decimal:
        """Everything that may ever be dispensed: quantity × (1 + refills)."""
        return Decimal(self.quantity) * (1 + self.refills_authorized)

    @property
    def quantity_remaining(self) -> Decimal:
        """What may still go out: authorised, less dispensed and forfeited by short closes."""
        return (self.quantity_authorized - Decimal(self.quantity_dispensed)
                - Decimal(self.quantity_forfeited or 0))

    @property
    def fills_authorized(self) -> int:
        """The original fill and its refills."""
        return 1 + self.refills_authorized

    @property
    def refills_remaining(self) -> int:
        """Fills not yet begun (the label's "refills remaining")."""
        begun = sum(1 for fill in self.fills if fill.begun)
        return max(0, self.fills_authorized - begun)

    @property
    def controlled(self) -> bool:
        """Scheduled where the pharmacy is (SPEC §7: the effective schedule is not null)."""
        return self.schedule != rules.NON_CONTROLLED


class PrescriptionFill(db.Model):  # type: ignore[name-defined]
    """One of a prescription's authorised fills (``refill_number`` 0 is the original), once
    begun: how much of it has gone out, the last partial's sequence number, and, when a
    pharmacist closed it short, who, when and why (the rest of the fill is forfeited).

    Changed only under its prescription's row lock.
    """

    __tablename__ = "prescription_fills"

    id: Mapped[int] = mapped_column(primary_key=True)
    prescription_id: Mapped[int] = mapped_column(
        sa.ForeignKey("prescriptions.id", ondelete="CASCADE"), index=True)
    refill_number: Mapped[int]
    quantity_dispensed: Mapped[Decimal] = mapped_column(sa.Numeric(12, 3), default=Decimal(0))
    last_partial: Mapped[int] = mapped_column(default=0)
    closed_short_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_short_by_user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"))
    closed_short_reason: Mapped[str | None] = mapped_column(sa.String(500))

    prescription: Mapped[Prescription] = relationship(back_populates="fills")

    __table_args__ = (
        sa.UniqueConstraint("prescription_id", "refill_number"),
        sa.CheckConstraint("refill_number >= 0", name="refill_number_not_negative"),
        sa.CheckConstraint("quantity_dispensed >= 0", name="dispensed_not_negative"),
        sa.CheckConstraint("last_partial >= 0", name="last_partial_not_negative"),
        sa.CheckConstraint("(closed_short_at IS NULL) = (closed_short_reason IS NULL)",
                           name="closed_with_reason"),
    )

    @property
    def closed_short(self) -> bool:
        return self.closed_short_at is not None

    @property
    def begun(self) -> bool:
        """Something of it stands, or it was closed short (its rest forfeited)."""
        return self.closed_short or Decimal(self.quantity_dispensed) > 0


class PrescriptionAnnotation(db.Model):  # type: ignore[name-defined]
    """A pharmacist's clarification on a prescription already dispensed against (e.g. the
    prescriber confirmed the directions by phone): who, when and why, next to the record as
    written, which it never rewrites. Append-only."""

    __tablename__ = "prescription_annotations"

    id: Mapped[int] = mapped_column(primary_key=True)
    prescription_id: Mapped[int] = mapped_column(
        sa.ForeignKey("prescriptions.id", ondelete="RESTRICT"), index=True)
    note: Mapped[str] = mapped_column(sa.String(1000))
    reason: Mapped[str] = mapped_column(sa.String(500))
    annotated_by_user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"))
    annotated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.utcnow)
