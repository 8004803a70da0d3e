"""The people and firms a case involves: law firms, patients (PHI) and prescribers."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from lienrx.core import clock
from lienrx.core.crypto import EncryptedText, blind_index_of
from lienrx.core.db import UTCDateTime, one_of
from lienrx.extensions import db
from lienrx.parties.rules import CREDENTIALS


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
    """An injured client. Every identifying field is encrypted at rest.

    ``lookup_index`` is a keyed HMAC of the normalised last name and date of birth, so staff
    can find a patient without the database holding either in the clear.
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
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.utcnow)


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
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.utcnow)

    __table_args__ = (one_of("credential", CREDENTIALS, "credential_known"),)

    @property
    def display_name(self) -> str:
        """"Jane Roe, MD"; the name alone when no credential is recorded."""
        name = f"{self.first_name} {self.last_name}"
        return f"{name}, {self.credential}" if self.credential else name
