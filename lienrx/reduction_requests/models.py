"""A reduction request: a firm asks the pharmacy to reduce a lien, billing answers it."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lienrx.auth.models import User
from lienrx.core import clock
from lienrx.core.db import UTCDateTime, one_of
from lienrx.extensions import db
from lienrx.reduction_requests import rules


class ReductionRequest(db.Model):  # type: ignore[name-defined]
    """An attorney's request to reduce a lien by an amount or a percent, and billing's answer.

    Nothing moves on the ledger until one side accepts the other's offer; then the reduction
    is posted through the settlement service and ``reduction_id`` names it. ``steps`` keep the
    negotiation, move by move; the ``answered_*`` and ``counter_*`` columns hold billing's
    answer to the offer on the table (a counter names the value billing offers, in the
    request's method), and are cleared when the attorney counters: the request waits on
    billing again. A decline posts nothing.
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

    steps: Mapped[list[ReductionRequestStep]] = relationship(
        order_by="ReductionRequestStep.number", lazy="selectin")

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

    @property
    def offer(self) -> ReductionRequestStep:
        """The offer on the table: the latest ask or counter, by either side."""
        return [s for s in self.steps if s.action in (rules.REQUEST, rules.COUNTER)][-1]

    @property
    def waiting_on(self) -> str | None:
        """Whose move it is: `billing`, `attorney`, or None once accepted or declined."""
        return rules.WAITING_ON.get(self.status)


class ReductionRequestStep(db.Model):  # type: ignore[name-defined]
    """One move in a reduction negotiation: who (side, user), when, what, and for how much.

    Step 1 is the firm's request as filed. An ask or counter carries its value: cents, or a
    percent (a percent request's ask, and billing's counters on it, are percents; the
    attorney's counters are always dollars). An accept carries the cents it posted; a decline
    carries nothing.
    """

    __tablename__ = "reduction_request_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        sa.ForeignKey("reduction_requests.id", ondelete="RESTRICT"))
    number: Mapped[int]
    side: Mapped[str] = mapped_column(sa.String(10))
    action: Mapped[str] = mapped_column(sa.String(10))
    amount_cents: Mapped[int | None] = mapped_column(sa.BigInteger)
    percent: Mapped[Decimal | None] = mapped_column(sa.Numeric(7, 4))
    note: Mapped[str | None] = mapped_column(sa.String(rules.NOTE_MAX))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.utcnow)

    user: Mapped[User] = relationship(lazy="selectin")

    __table_args__ = (
        sa.UniqueConstraint("request_id", "number"),  # one step per number
        one_of("side", rules.SIDES, "side_known"),
        one_of("action", rules.STEP_ACTIONS, "action_known"),
        sa.CheckConstraint("amount_cents IS NULL OR percent IS NULL", name="one_value"),
        sa.CheckConstraint("amount_cents IS NULL OR amount_cents > 0", name="amount_positive"),
        sa.CheckConstraint("percent IS NULL OR (percent > 0 AND percent <= 100)",
                           name="percent_in_range"),
        sa.CheckConstraint("action NOT IN ('request', 'counter') OR amount_cents IS NOT NULL "
                           "OR percent IS NOT NULL", name="offer_has_value"),
    )

    @property
    def method(self) -> str:
        """`percent` when the step names a percent, else `amount`."""
        return "percent" if self.percent is not None else "amount"

    @property
    def value(self) -> int | Decimal | None:
        """Cents, a percent, or None (a decline)."""
        return self.percent if self.percent is not None else self.amount_cents
