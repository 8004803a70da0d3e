"""The people and firms a case involves: law firms, patients (PHI) and prescribers."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from lienrx.core import clock
from lienrx.core.crypto import (
    EncryptedDate,
    EncryptedDecimal,
    EncryptedJSON,
    EncryptedText,
    blind_index_of,
)
from lienrx.core.db import UTCDateTime, one_of
from lienrx.extensions import db
from lienrx.parties import rules


class LawFirm(db.Model):  # type: ignore[name-defined]
    """A personal-injury law firm whose clients the pharmacy fills for on lien."""

    __tablename__ = "law_firms"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    address: Mapped[str | None] = mapped_column(sa.String(400))
    phone: Mapped[str | None] = mapped_column(sa.String(40))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.utcnow)


class Patient(db.Model):  # type: ignore[name-defined]
    """An injured client. Every identifying field and the clinical profile are encrypted at
    rest.

    ``lookup_index`` is a keyed HMAC of the normalised last name and date of birth, so staff
    can find a patient without the database holding either in the clear; ``duplicate_index``
    is the same over the last name as duplicates are compared (:func:`rules.duplicate_name`).
    """

    __tablename__ = "patients"

    id: Mapped[int] = mapped_column(primary_key=True)
    first_name: Mapped[str] = mapped_column(EncryptedText)
    last_name: Mapped[str] = mapped_column(EncryptedText)
    date_of_birth: Mapped[str] = mapped_column(EncryptedText)
    phone: Mapped[str | None] = mapped_column(EncryptedText)
    email: Mapped[str | None] = mapped_column(EncryptedText)
    address: Mapped[str | None] = mapped_column(EncryptedText)
    lookup_index: Mapped[str] = mapped_column(
        sa.String(64), index=True, info=blind_index_of("last_name", "date_of_birth"))
    duplicate_index: Mapped[str] = mapped_column(
        sa.String(64), index=True, info=blind_index_of("duplicate_name", "date_of_birth"))
    sex: Mapped[str | None] = mapped_column(EncryptedText)
    weight_kg: Mapped[Decimal | None] = mapped_column(EncryptedDecimal)
    height_cm: Mapped[Decimal | None] = mapped_column(EncryptedDecimal)
    allergies: Mapped[list[dict[str, Any]] | None] = mapped_column(EncryptedJSON)
    creatinine_clearance: Mapped[Decimal | None] = mapped_column(EncryptedDecimal)
    creatinine_clearance_on: Mapped[date | None] = mapped_column(EncryptedDate)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.utcnow)

    @property
    def duplicate_name(self) -> str:
        """The last name as duplicates are compared (what ``duplicate_index`` is made of)."""
        return rules.duplicate_name(self.last_name)


class OutsideMedication(db.Model):  # type: ignore[name-defined]
    """A medication the patient takes that this pharmacy did not fill (from the patient,
    another pharmacy, the PDMP or the prescriber): DUR counts it until it is stopped.
    Name, ingredient, dose and dates are PHI, encrypted at rest."""

    __tablename__ = "outside_medications"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(
        sa.ForeignKey("patients.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(EncryptedText)
    ingredient: Mapped[str] = mapped_column(EncryptedText)
    dose_mg_per_day: Mapped[Decimal | None] = mapped_column(EncryptedDecimal)
    source: Mapped[str] = mapped_column(sa.String(20))
    started_on: Mapped[date | None] = mapped_column(EncryptedDate)
    stopped_on: Mapped[date | None] = mapped_column(EncryptedDate)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.utcnow)

    def active_on(self, day: date) -> bool:
        """Not stopped by ``day``."""
        return self.stopped_on is None or self.stopped_on > day


def initials(first_name: str, last_name: str) -> str:
    """A patient's initials, the only identifier the reconciliation workbook carries."""
    return f"{first_name[:1]}{last_name[:1]}".upper()


class Prescriber(db.Model):  # type: ignore[name-defined]
    """A licensed prescriber; the DEA number is needed for controlled substances, the
    credential (MD, DO, NP, PA-C, …; ``parties.rules.CREDENTIALS``) goes on the label."""

    __tablename__ = "prescribers"

    id: Mapped[int] = mapped_column(primary_key=True)
    first_name: Mapped[str] = mapped_column(sa.String(100))
    last_name: Mapped[str] = mapped_column(sa.String(100))
    credential: Mapped[str | None] = mapped_column(sa.String(8))
    npi: Mapped[str] = mapped_column(sa.String(10), unique=True)
    dea_number: Mapped[str | None] = mapped_column(sa.String(9))
    state_license: Mapped[str | None] = mapped_column(sa.String(40))
    specialty: Mapped[str | None] = mapped_column(sa.String(100))
    address: Mapped[str | None] = mapped_column(sa.String(400))
    phone: Mapped[str | None] = mapped_column(sa.String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.utcnow)

    __table_args__ = (one_of("credential", rules.CREDENTIALS, "credential_known"),)

    @property
    def display_name(self) -> str:
        """"Jane Roe, MD"; the name alone when no credential is recorded."""
        name = f"{self.first_name} {self.last_name}"
        return f"{name}, {self.credential}" if self.credential else name
