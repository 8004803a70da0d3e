"""Prospective drug-use review: the rule table, the DUR classes' ingredients and the alerts
the rules raise on prescriptions, with their coded resolutions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from lienrx.core import clock
from lienrx.core.db import UTCDateTime, one_of
from lienrx.dur import codes
from lienrx.extensions import db

KINDS = ("duplicate_therapy", "interaction", "cns_depressant_count", "max_daily_dose",
         "quantity_mismatch", "allergy")
SEVERITIES = ("low", "moderate", "high")
RESOLVED_IFF_RECORDED = ("(status = 'resolved') = "
                         "(resolution IS NOT NULL OR result_code IS NOT NULL)")
CODES_TOGETHER = ("(reason_code IS NULL) = (professional_service_code IS NULL) "
                  "AND (reason_code IS NULL) = (result_code IS NULL)")


class DurRule(db.Model):  # type: ignore[name-defined]
    """One row of the DUR rule table (seeded from data, never coded as branches).

    ``params`` depend on ``kind``: ``{"a": [...], "b": [...]}`` (a pair of DUR classes),
    ``{"same": [...], "same_route": true}`` (two products of one class by the same route),
    ``{"classes": [...], "threshold": 3}`` (count of CNS depressants) or
    ``{"drug": "gabapentin", "max": 3600, "basis": "mg"|"units", "unit": "mg"}`` or
    ``{"match": "active_ingredient"}`` (an allergy); any of them may add
    ``exclude_route_groups`` and ``when`` (see :mod:`lienrx.dur.engine`).
    ``message`` is a template: ``{drug}``, ``{other}``, ``{count}``, ``{dose}``, ``{max}``,
    ``{unit}``, ``{crcl}``, ``{ingredient}``, ``{substance}``, ``{reaction}``. ``source`` says
    where the rule comes from.
    """

    __tablename__ = "dur_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(60), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(24))
    severity: Mapped[str] = mapped_column(sa.String(10))
    params: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    message: Mapped[str] = mapped_column(sa.String(500))
    source: Mapped[str | None] = mapped_column(sa.String(500))
    active: Mapped[bool] = mapped_column(default=True)

    __table_args__ = (
        one_of("kind", KINDS, "kind_known"),
        one_of("severity", SEVERITIES, "severity_known"),
    )


class DurClass(db.Model):  # type: ignore[name-defined]
    """A DUR class and the active ingredients in it, so a medication known only by its
    ingredient (an outside medication) is matched to the rules' classes."""

    __tablename__ = "dur_classes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    ingredients: Mapped[list[str]] = mapped_column(sa.JSON)
    source: Mapped[str | None] = mapped_column(sa.String(500))


class DurAlert(db.Model):  # type: ignore[name-defined]
    """An alert a rule raised on a prescription. Its identity is (prescription, rule,
    counterpart drug), so computing the same alert again finds the same row and id.

    A resolution is coded as NCPDP does (reason, professional service, result: all three or
    none, :mod:`lienrx.dur.codes`), with who was contacted and when, and a note
    (``resolution``, the free text older clients send).
    """

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
    reason_code: Mapped[str | None] = mapped_column(sa.String(2))
    professional_service_code: Mapped[str | None] = mapped_column(sa.String(2))
    result_code: Mapped[str | None] = mapped_column(sa.String(2))
    contacted_name: Mapped[str | None] = mapped_column(sa.String(200))
    contacted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.utcnow)

    __table_args__ = (
        sa.UniqueConstraint("prescription_id", "rule_code", "counterpart"),
        one_of("status", ("open", "resolved"), "status_known"),
        one_of("severity", SEVERITIES, "severity_known"),
        sa.CheckConstraint(RESOLVED_IFF_RECORDED, name="resolution_iff_resolved"),
        sa.CheckConstraint(CODES_TOGETHER, name="codes_together"),
        sa.CheckConstraint("(contacted_name IS NULL) = (contacted_at IS NULL)",
                           name="contact_together"),
    )

    @property
    def note(self) -> str | None:
        return self.resolution

    @property
    def resolution_in_words(self) -> str | None:
        """The resolution as a person reads it (None while open)."""
        if self.status != "resolved":
            return None
        return codes.in_words(reason=self.reason_code,
                              professional_service=self.professional_service_code,
                              result=self.result_code, contacted_name=self.contacted_name,
                              contacted_at=self.contacted_at, note=self.resolution)
