"""A personal-injury case, its diagnoses, lien agreements, outside treatments and counsel."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lienrx.cases import rules
from lienrx.core import clock
from lienrx.core.db import UTCDateTime, one_of
from lienrx.extensions import db
from lienrx.parties.models import LawFirm, Patient


class Case(db.Model):  # type: ignore[name-defined]
    """One injured client's PI matter handled by one law firm; the unit a lien is held on."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(
        sa.ForeignKey("patients.id", ondelete="RESTRICT"), index=True)
    law_firm_id: Mapped[int] = mapped_column(
        sa.ForeignKey("law_firms.id", ondelete="RESTRICT"), index=True)
    attorney_user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"))
    firm_file_number: Mapped[str | None] = mapped_column(sa.String(60))
    date_of_injury: Mapped[date]
    injury_mechanism: Mapped[str] = mapped_column(sa.String(30))
    mechanism_narrative: Mapped[str | None] = mapped_column(sa.Text)
    jurisdiction: Mapped[str] = mapped_column(sa.String(2))
    # the day the client's suit was filed: the statute of limitations no longer threatens
    suit_filed_on: Mapped[date | None]
    status: Mapped[str] = mapped_column(sa.String(20), default=rules.INTAKE, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=clock.utcnow, onupdate=clock.utcnow)

    patient: Mapped[Patient] = relationship()
    law_firm: Mapped[LawFirm] = relationship()
    diagnoses: Mapped[list[CaseDiagnosis]] = relationship(
        order_by="CaseDiagnosis.position", cascade="all, delete-orphan")
    external_treatments: Mapped[list[ExternalTreatment]] = relationship(
        order_by="ExternalTreatment.started_on")

    __table_args__ = (
        one_of("status", rules.STATUSES, "status_known"),
        one_of("injury_mechanism", rules.MECHANISMS, "mechanism_known"),
    )


class CaseDiagnosis(db.Model):  # type: ignore[name-defined]
    """An ICD-10-CM diagnosis on a case, with the document it was taken from."""

    __tablename__ = "case_diagnoses"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    icd10: Mapped[str] = mapped_column(sa.String(8))
    laterality: Mapped[str | None] = mapped_column(sa.String(12))
    source: Mapped[str | None] = mapped_column(sa.String(300))

    __table_args__ = (sa.UniqueConstraint("case_id", "icd10"),)


class LienAgreement(db.Model):  # type: ignore[name-defined]
    """The signed letter of protection that lets the pharmacy fill at $0 against the recovery."""

    __tablename__ = "lien_agreements"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(
        sa.ForeignKey("cases.id", ondelete="RESTRICT"), index=True)
    law_firm_id: Mapped[int] = mapped_column(sa.ForeignKey("law_firms.id", ondelete="RESTRICT"))
    signed_on: Mapped[date]
    patient_signed: Mapped[bool]
    attorney_user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"))
    document_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    non_recourse: Mapped[bool] = mapped_column(default=True)
    status: Mapped[str] = mapped_column(sa.String(12), default="active")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.utcnow)

    __table_args__ = (
        one_of("status", ("active", "superseded", "released"), "status_known"),
        sa.CheckConstraint("patient_signed", name="patient_signed"),
    )


class ExternalTreatment(db.Model):  # type: ignore[name-defined]
    """Treatment given elsewhere (e.g. IV ketamine infusions) that the POGOS shows.

    It is never a pharmacy charge: infusion centres bill it as a medical procedure.
    """

    __tablename__ = "external_treatments"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    started_on: Mapped[date]
    ended_on: Mapped[date | None]
    facility: Mapped[str] = mapped_column(sa.String(200))
    protocol: Mapped[str | None] = mapped_column(sa.String(400))
    dose: Mapped[str | None] = mapped_column(sa.String(200))
    notes: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.utcnow)

    __table_args__ = (
        one_of("kind", rules.TREATMENT_KINDS, "kind_known"),
        sa.CheckConstraint("ended_on IS NULL OR ended_on >= started_on", name="ends_after_start"),
    )


class CounselChange(db.Model):  # type: ignore[name-defined]
    """A substitution of counsel: the case moved from one firm to another."""

    __tablename__ = "counsel_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="RESTRICT"), index=True)
    from_law_firm_id: Mapped[int] = mapped_column(
        sa.ForeignKey("law_firms.id", ondelete="RESTRICT"))
    to_law_firm_id: Mapped[int] = mapped_column(sa.ForeignKey("law_firms.id", ondelete="RESTRICT"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.utcnow)
    changed_by_user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"))
