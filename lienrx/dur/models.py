"""Prospective drug-use review: the rule table and the alerts it raises on prescriptions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from lienrx.core import clock
from lienrx.core.db import UTCDateTime, one_of
from lienrx.extensions import db

KINDS = ("duplicate_therapy", "interaction", "cns_depressant_count", "max_daily_dose",
         "quantity_mismatch")
SEVERITIES = ("low", "moderate", "high")


class DurRule(db.Model):  # type: ignore[name-defined]
    """One row of the DUR rule table (seeded from data, never coded as branches).

    ``params`` depend on ``kind``: ``{"a": [...], "b": [...]}`` (a pair of DUR classes),
    ``{"same": [...], "same_route": true}`` (two products of one class by the same route),
    ``{"classes": [...], "threshold": 3}`` (count of CNS depressants) or
    ``{"drug": "gabapentin", "max": 3600, "basis": "mg"|"units", "unit": "mg"}``.
    ``message`` is a template: ``{drug}``, ``{other}``, ``{count}``, ``{dose}``, ``{max}``.
    """

    __tablename__ = "dur_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(60), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(24))
    severity: Mapped[str] = mapped_column(sa.String(10))
    params: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    message: Mapped[str] = mapped_column(sa.String(500))
    active: Mapped[bool] = mapped_column(default=True)

    __table_args__ = (
        one_of("kind", KINDS, "kind_known"),
        one_of("severity", SEVERITIES, "severity_known"),
    )


class DurAlert(db.Model):  # type: ignore[name-defined]
    """An alert a rule raised on a prescription. Its identity is (prescription, rule,
    counterpart drug), so computing the same alert again finds the same row and id."""

    __tablename__ = "dur_alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    prescription_id: Mapped[int] = mapped_column(
        sa.ForeignKey("prescriptions.id", ondelete="RESTRICT"), index=True)
    rule_code: Mapped[str] = mapped_column(
        sa.ForeignKey("dur_rules.code", ondelete="RESTRICT"))
    counterpart: Mapped[str] = mapped_column(sa.String(40), default="")
    kind: Mapped[str] = mapped_column(sa.String(24))
    severity: Mapped[str] = mapped_column(sa.String(10))
    message: Mapped[str] = mapped_column(sa.String(500))
    status: Mapped[str] = mapped_column(sa.String(10), default="open")
    resolution: Mapped[str | None] = mapped_column(sa.String(1000))
    resolved_by_user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.utcnow)

    __table_args__ = (
        sa.UniqueConstraint("prescription_id", "rule_code", "counterpart"),
        one_of("status", ("open", "resolved"), "status_known"),
        one_of("severity", SEVERITIES, "severity_known"),
        sa.CheckConstraint("(status = 'resolved') = (resolution IS NOT NULL)",
                           name="resolution_iff_resolved"),
    )
