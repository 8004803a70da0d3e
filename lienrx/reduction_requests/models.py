"""A reduction request: a firm asks the pharmacy to reduce a lien, billing answers it."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from lienrx.core import clock
from lienrx.core.db import UTCDateTime, one_of
from lienrx.extensions import db
from lienrx.reduction_requests import rules


class ReductionRequest(db.Model):  # type: ignore[name-defined]
    """An attorney's request to reduce a lien by an amount or a percent, and billing's answer.

    Nothing moves on the ledger until billing accepts it; then the reduction is posted through
    the settlement service and ``reduction_id`` names it. A counter names the value billing
    offers instead (same method); a decline posts nothing.
    """

    __tablename__ = "reduction_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="RESTRICT"),
                                         index=True)
    requested_by_user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"))
    method: Mapped[str] = mapped_column(sa.String(10))
    amount_cents: Mapped[int | None] = mapped_column(sa.BigInteger)
    percent: Mapped[Decimal | None] = mapped_column(sa.Numeric(7, 4))
    reason: Mapped[str] = mapped_column(sa.String(rules.REASON_MAX))
    status: Mapped[str] = mapped_column(sa.String(10), default=rules.PENDING, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.utcnow)
    answered_by_user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answer_note: Mapped[str | None] = mapped_column(sa.String(rules.NOTE_MAX))
    counter_amount_cents: Mapped[int | None] = mapped_column(sa.BigInteger)
    counter_percent: Mapped[Decimal | None] = mapped_column(sa.Numeric(7, 4))
    reduction_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("reductions.id", ondelete="RESTRICT"), unique=True)

    __table_args__ = (
        one_of("method", rules.METHODS, "method_known"),
        one_of("status", rules.STATUSES, "status_known"),
        sa.CheckConstraint("(method = 'amount') = (amount_cents IS NOT NULL) AND "
                           "(method = 'percent') = (percent IS NOT NULL)",
                           name="value_matches_method"),
        sa.CheckConstraint("amount_cents IS NULL OR amount_cents > 0", name="amount_positive"),
        sa.CheckConstraint("percent IS NULL OR (percent > 0 AND percent <= 100)",
                           name="percent_in_range"),
        sa.CheckConstraint("(status = 'pending') = (answered_at IS NULL)",
                           name="answered_iff_not_pending"),
        sa.CheckConstraint("(status = 'accepted') = (reduction_id IS NOT NULL)",
                           name="accepted_iff_posted"),
        sa.Index("ix_reduction_requests_answered_at", "answered_at"),
    )

    @property
    def acknowledgment_number(self) -> str:
        """The number the firm quotes, e.g. RR-2026-000123."""
        return rules.acknowledgment_number(self.created_at.year, self.id)

    @property
    def value(self) -> int | Decimal:
        """What was asked: cents for `amount`, a percent for `percent`."""
        return self.amount_cents if self.method == "amount" else self.percent  # type: ignore

    @property
    def counter_value(self) -> int | Decimal | None:
        """What billing offered instead, if it countered."""
        return self.counter_amount_cents if self.method == "amount" else self.counter_percent
