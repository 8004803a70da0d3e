"""Dispenses: a fill handed to the patient at $0, charged to the case's lien."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lienrx.auth.models import User
from lienrx.compounding.models import CompoundingRecord
from lienrx.core import clock
from lienrx.core.crypto import EncryptedJSON
from lienrx.core.db import UTCDateTime, one_of
from lienrx.extensions import db
from lienrx.ledger.models import MEMO_LENGTH
from lienrx.prescribing.models import Prescription

STATUSES = ("dispensed", "reversed")
# What becomes of the stock a reversed controlled fill drew from the inventory (SPEC §7.5):
# back on the shelf (it never left the pharmacy), or set aside for a witnessed destruction.
DISPOSITIONS = ("return_to_stock", "destroy")
# The reversing ledger entry's memo quotes the reason whole, so the reason is held to what
# fits the memo (490 characters); the dispense keeps it too (``reversal_reason``).
REVERSAL_MEMO = "Reversal: {reason}"
REVERSAL_REASON_MAX = MEMO_LENGTH - len(REVERSAL_MEMO.format(reason=""))
# A fill dated before the day it is entered (SPEC §7.1) keeps why; the charge's memo quotes it.
LATE_ENTRY_REASON_MAX = 300


class Dispense(db.Model):  # type: ignore[name-defined]
    """One fill of a prescription: what was handed out, from which batch or NDC lot, by whom,
    and the charge frozen at the price in effect on the dispense date. The patient pays 0.00.
    """

    __tablename__ = "dispenses"

    id: Mapped[int] = mapped_column(primary_key=True)
    prescription_id: Mapped[int] = mapped_column(
        sa.ForeignKey("prescriptions.id", ondelete="RESTRICT"), index=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="RESTRICT"))
    fill_number: Mapped[int]
    # Which fill it went out as (SPEC §7.2): 0 is the original fill; partials count from 1.
    # ``fill_parts`` says what it drew from each fill ([{refill_number, quantity,
    # partial_sequence}]; more than one when refills were combined); ``starts_fill`` that it
    # began a fill, so it carries that fill's dispensing and compounding fees.
    refill_number: Mapped[int]
    partial_sequence: Mapped[int]
    fill_parts: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    starts_fill: Mapped[bool]
    quantity: Mapped[Decimal] = mapped_column(sa.Numeric(12, 3))
    days_supply: Mapped[int]
    dispensed_on: Mapped[date]
    compounding_record_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("compounding_records.id", ondelete="RESTRICT"), index=True)
    ndc: Mapped[str | None] = mapped_column(sa.String(11))
    lot_number: Mapped[str | None] = mapped_column(sa.String(60))
    delivery_method: Mapped[str | None] = mapped_column(sa.String(20))
    # Where a courier or mail fill is shipped, when not the pharmacy's own state (SPEC §7.2).
    delivery_state: Mapped[str | None] = mapped_column(sa.String(2))
    pharmacist_user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    unit_price_cents: Mapped[int] = mapped_column(sa.BigInteger)
    dispensing_fee_cents: Mapped[int] = mapped_column(sa.BigInteger)
    compounding_fee_cents: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    charge_cents: Mapped[int] = mapped_column(sa.BigInteger)
    patient_paid_cents: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    refill_override_reason: Mapped[str | None] = mapped_column(sa.String(500))
    # Why a compounded supply may run past its batch's BUD (SPEC §7.2), when it does.
    bud_override_reason: Mapped[str | None] = mapped_column(sa.String(500))
    late_entry_reason: Mapped[str | None] = mapped_column(sa.String(LATE_ENTRY_REASON_MAX))
    # The FDA Medication Guide went out with the fill (21 CFR 208.24; products flagged for it).
    medguide_provided: Mapped[bool] = mapped_column(default=False)
    dur_review: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    label: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON, default=dict)  # PHI: patient
    charge_entry_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("journal_entries.id", ondelete="RESTRICT"))
    status: Mapped[str] = mapped_column(sa.String(10), default="dispensed")
    reversal_entry_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("journal_entries.id", ondelete="RESTRICT"))
    reversed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reversed_by_user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"))
    reversal_reason: Mapped[str | None] = mapped_column(sa.String(500))
    # The received lot a controlled commercial fill drew from, and (reversed, controlled) what
    # became of the fill (DISPOSITIONS): back to stock or its batch, or to be destroyed.
    inventory_lot_id: Mapped[int | None] = mapped_column(sa.ForeignKey("inventory_lots.id"),
                                                         index=True)
    disposition: Mapped[str | None] = mapped_column(sa.String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.utcnow)

    prescription: Mapped[Prescription] = relationship()
    compounding_record: Mapped[CompoundingRecord | None] = relationship()
    pharmacist: Mapped[User] = relationship(foreign_keys=[pharmacist_user_id])

    @property
    def refills_combined(self) -> bool:
        """It drew on more than one fill (a non-controlled product, combine_refills)."""
        return len(self.fill_parts or ()) > 1

    @property
    def late_entry(self) -> bool:
        """Entered after its fill date (SPEC §7.1): the reason says why."""
        return self.late_entry_reason is not None

    __table_args__ = (
        sa.UniqueConstraint("prescription_id", "fill_number"),
        one_of("status", STATUSES, "status_known"),
        sa.CheckConstraint("patient_paid_cents = 0", name="patient_pays_nothing"),
        sa.CheckConstraint("charge_cents >= 0", name="charge_not_negative"),
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
        sa.CheckConstraint("days_supply > 0", name="days_supply_positive"),
        sa.CheckConstraint("refill_number >= 0 AND partial_sequence >= 1",
                           name="fill_position_known"),
        sa.CheckConstraint("(compounding_record_id IS NULL) <> (ndc IS NULL)",
                           name="batch_xor_ndc"),
        sa.CheckConstraint("(status = 'reversed') = (reversal_entry_id IS NOT NULL)",
                           name="reversed_iff_reversal_entry"),
        one_of("disposition", DISPOSITIONS, "disposition_known"),
        sa.CheckConstraint("disposition IS NULL OR status = 'reversed'",
                           name="disposition_of_a_reversal"),
        sa.Index("ix_dispenses_case_dispensed_on", "case_id", "dispensed_on"),
        sa.Index("ix_dispenses_dispensed_on", "dispensed_on"),
    )
