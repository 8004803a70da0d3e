"""Settlement records: the recovery, payoff statements, reductions, payments, letters.

Money moves only through the ledger; these rows hold what the journal cannot (the terms of a
settlement, a reduction's method, a check number, the facts a release letter states).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from lienrx.core import clock
from lienrx.core.db import UTCDateTime, one_of
from lienrx.extensions import db
from lienrx.settlement import rules


class Settlement(db.Model):  # type: ignore[name-defined]
    """The recovery a case settled for: gross, the attorney's fees and the case costs."""

    __tablename__ = "settlements"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(
        sa.ForeignKey("cases.id", ondelete="RESTRICT"), unique=True)
    settled_on: Mapped[date] = mapped_column(index=True)
    gross_cents: Mapped[int] = mapped_column(sa.BigInteger)
    attorney_fees_cents: Mapped[int] = mapped_column(sa.BigInteger)
    costs_cents: Mapped[int] = mapped_column(sa.BigInteger)
    recorded_by_user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.utcnow)

    __table_args__ = (
        sa.CheckConstraint("gross_cents > 0", name="gross_positive"),
        sa.CheckConstraint("attorney_fees_cents >= 0 AND costs_cents >= 0",
                           name="deductions_not_negative"),
        sa.CheckConstraint("attorney_fees_cents + costs_cents <= gross_cents",
                           name="deductions_within_gross"),
    )


class PayoffStatement(db.Model):  # type: ignore[name-defined]
    """An issued payoff: the amount that settles the lien, valid through a date.

    ``last_entry_id`` is the newest journal entry of the case when it was issued; any later
    entry (a fill, a reduction, a payment) voids the statement. The status is derived on read.
    """

    __tablename__ = "payoff_statements"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="RESTRICT"),
                                         index=True)
    balance_cents: Mapped[int] = mapped_column(sa.BigInteger)
    valid_through: Mapped[date]
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.utcnow)
    issued_by_user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"))
    last_entry_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("journal_entries.id", ondelete="RESTRICT"))
    lines: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON)


class Reduction(db.Model):  # type: ignore[name-defined]
    """How a reduction entry was computed: its method, the value given and the reason."""

    __tablename__ = "reductions"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="RESTRICT"),
                                         index=True)
    entry_id: Mapped[int] = mapped_column(
        sa.ForeignKey("journal_entries.id", ondelete="RESTRICT"), unique=True)
    method: Mapped[str] = mapped_column(sa.String(10))
    value: Mapped[str | None] = mapped_column(sa.String(40))
    amount_cents: Mapped[int] = mapped_column(sa.BigInteger)
    reason: Mapped[str] = mapped_column(sa.String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.utcnow)

    __table_args__ = (
        one_of("method", rules.REDUCTION_METHODS, "method_known"),
        sa.CheckConstraint("amount_cents > 0", name="amount_positive"),
    )


class Payment(db.Model):  # type: ignore[name-defined]
    """Money received against a lien (a check or wire), and any refund it made owed."""

    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="RESTRICT"),
                                         index=True)
    entry_id: Mapped[int] = mapped_column(
        sa.ForeignKey("journal_entries.id", ondelete="RESTRICT"), unique=True)
    refund_entry_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("journal_entries.id", ondelete="RESTRICT"), unique=True)
    amount_cents: Mapped[int] = mapped_column(sa.BigInteger)
    refund_owed_cents: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    received_on: Mapped[date]
    reference: Mapped[str] = mapped_column(sa.String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.utcnow)

    __table_args__ = (
        sa.CheckConstraint("amount_cents > 0", name="amount_positive"),
        sa.CheckConstraint("refund_owed_cents >= 0 AND refund_owed_cents <= amount_cents",
                           name="refund_within_amount"),
    )


class ReleaseLetter(db.Model):  # type: ignore[name-defined]
    """The letter saying the lien is satisfied: amount paid, date, full-satisfaction wording.

    The facts are frozen when the case closes; the letter is rendered from them on request.
    """

    __tablename__ = "release_letters"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(
        sa.ForeignKey("cases.id", ondelete="RESTRICT"), unique=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.utcnow)
    issued_by_user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"))
    billed_cents: Mapped[int] = mapped_column(sa.BigInteger)
    amount_paid_cents: Mapped[int] = mapped_column(sa.BigInteger)
    paid_on: Mapped[date]
    reduced: Mapped[bool]


class ClosingLetter(db.Model):  # type: ignore[name-defined]
    """The letter saying a case closed without recovery: what the pharmacy wrote off and, under
    a non-recourse agreement, that the client owes nothing.

    Like the release letter, its facts are frozen when the case closes.
    """

    __tablename__ = "closing_letters"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(
        sa.ForeignKey("cases.id", ondelete="RESTRICT"), unique=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.utcnow)
    issued_by_user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"))
    billed_cents: Mapped[int] = mapped_column(sa.BigInteger)
    written_off_cents: Mapped[int] = mapped_column(sa.BigInteger)
    non_recourse: Mapped[bool]
    agreement_signed_on: Mapped[date | None]

    __table_args__ = (
        sa.CheckConstraint("written_off_cents >= 0", name="written_off_not_negative"),
    )
