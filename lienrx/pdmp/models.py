"""PDMP reports: each generated ASAP file (PHI, encrypted at rest), its status, which
dispense went into which report as a new record, a revision or a void, and the per-state
row that serialises generation."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lienrx.core import clock
from lienrx.core.crypto import EncryptedText
from lienrx.core.db import UTCDateTime, one_of
from lienrx.extensions import db

STATUSES = ("generated", "submitted", "accepted", "rejected")
METHODS = ("sftp", "upload", "other")
RECORD_STATUSES = ("00", "01", "02")  # ASAP DSP01: new, revise, void


class PdmpReport(db.Model):  # type: ignore[name-defined]
    """One ASAP file for a state and report date.

    ``content`` is the file itself (names, addresses, dates of birth: encrypted); ``sha256``
    is of its UTF-8 bytes. ``problems`` lists the records left out and why (ids and rules
    only, no PHI). Status: generated → submitted (who, when, how) → accepted or rejected
    (with the state's error text).
    """

    __tablename__ = "pdmp_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    state: Mapped[str] = mapped_column(sa.String(2))
    report_date: Mapped[date]
    asap_version: Mapped[str] = mapped_column(sa.String(5))
    control_number: Mapped[str] = mapped_column(sa.String(20), unique=True)
    content: Mapped[str] = mapped_column(EncryptedText)  # PHI: the whole file
    sha256: Mapped[str] = mapped_column(sa.String(64))
    record_count: Mapped[int]
    zero_report: Mapped[bool]
    problems: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    status: Mapped[str] = mapped_column(sa.String(10), default="generated")
    generated_by_user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"))
    generated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.utcnow)
    submitted_by_user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submission_method: Mapped[str | None] = mapped_column(sa.String(10))
    result_by_user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"))
    result_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rejection_errors: Mapped[str | None] = mapped_column(sa.Text)

    records: Mapped[list[PdmpReportRecord]] = relationship(
        back_populates="report", order_by="PdmpReportRecord.id", cascade="all, delete-orphan")

    __table_args__ = (
        one_of("status", STATUSES, "status_known"),
        sa.CheckConstraint("submission_method IS NULL OR submission_method IN "
                           "('sftp', 'upload', 'other')", name="method_known"),
        sa.CheckConstraint("record_count >= 0", name="record_count_not_negative"),
        sa.CheckConstraint("(status = 'generated') = (submitted_at IS NULL)",
                           name="submitted_iff_not_generated"),
        sa.CheckConstraint("(status = 'rejected') = (rejection_errors IS NOT NULL)",
                           name="rejected_iff_errors"),
        sa.Index("ix_pdmp_reports_state_date", "state", "report_date"),
    )


class PdmpReportRecord(db.Model):  # type: ignore[name-defined]
    """A dispense reported in a report: as new (00), revised (01) or void (02), with what the
    record said of it: Rx number, fill date (DSP05), refill number and partial-fill indicator
    (a void repeats them), whether it was a late entry (SPEC §7.1; ASAP 4.2 has no element
    for it, so only the log and the page carry it), and ``record_sha256``, the digest of the
    record's segments as written with status 00 (:func:`lienrx.pdmp.asap.fingerprint`): a
    later change to any reported field makes the next report send a revision. Records made
    before the digest was kept have none and are never revised."""

    __tablename__ = "pdmp_report_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(
        sa.ForeignKey("pdmp_reports.id", ondelete="CASCADE"), index=True)
    dispense_id: Mapped[int] = mapped_column(
        sa.ForeignKey("dispenses.id", ondelete="RESTRICT"), index=True)
    record_status: Mapped[str] = mapped_column(sa.String(2))
    rx_number: Mapped[str] = mapped_column(sa.String(12))
    filled_on: Mapped[date]
    refill_number: Mapped[int]
    partial_fill: Mapped[str] = mapped_column(sa.String(2))
    late_entry: Mapped[bool] = mapped_column(default=False)
    record_sha256: Mapped[str | None] = mapped_column(sa.String(64))

    report: Mapped[PdmpReport] = relationship(back_populates="records")

    __table_args__ = (
        sa.UniqueConstraint("report_id", "dispense_id", "record_status"),
        one_of("record_status", RECORD_STATUSES, "record_status_known"),
    )


class PdmpStateLock(db.Model):  # type: ignore[name-defined]
    """One row per state whose report was ever generated: generation locks it first, so two
    generations for a state run one after the other and never carry a dispense twice."""

    __tablename__ = "pdmp_state_locks"

    state: Mapped[str] = mapped_column(sa.String(2), primary_key=True)
