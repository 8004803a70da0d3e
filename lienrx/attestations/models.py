"""Signed POGOS attestations and the public keys that verify them."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lienrx.auth.models import User
from lienrx.core import clock
from lienrx.core.crypto import EncryptedText
from lienrx.core.db import UTCDateTime
from lienrx.extensions import db


class AttestationKey(db.Model):  # type: ignore[name-defined]
    """A public key the pharmacy has signed attestations with, published for verifiers.

    Rows are never deleted: after the signing key is rotated the old key is marked retired
    and stays published, so every attestation it signed stays verifiable.
    """

    __tablename__ = "attestation_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_id: Mapped[str] = mapped_column(sa.String(40), unique=True)
    algorithm: Mapped[str] = mapped_column(sa.String(20), default="Ed25519")
    public_key: Mapped[str] = mapped_column(sa.String(64), unique=True)  # base64, raw 32 bytes
    first_used_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (sa.CheckConstraint("algorithm = 'Ed25519'", name="algorithm_known"),)

    @property
    def status(self) -> str:
        return "current" if self.retired_at is None else "retired"


class Attestation(db.Model):  # type: ignore[name-defined]
    """One signed version of a case's POGOS report.

    ``document_json`` holds the exact canonical JSON that was signed (not a re-serialisable
    structure), so what is stored is byte for byte what the signature covers; it names the
    patient, so it is encrypted at rest and decrypts to exactly those bytes. A new version
    supersedes the previous one; no version is ever changed or removed (the database lets the
    document only be re-encrypted: `lienrx keys rotate`).
    """

    __tablename__ = "attestations"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="RESTRICT"), index=True)
    version: Mapped[int]
    document_json: Mapped[str] = mapped_column(EncryptedText)  # names the patient: PHI
    sha256: Mapped[str] = mapped_column(sa.String(64))
    signature: Mapped[str] = mapped_column(sa.String(100))
    key_id: Mapped[str] = mapped_column(
        sa.ForeignKey("attestation_keys.key_id", ondelete="RESTRICT"), index=True)
    signed_by_user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.utcnow)
    supersedes_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("attestations.id", ondelete="RESTRICT"), unique=True)

    signed_by: Mapped[User] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("case_id", "version"),
        sa.CheckConstraint("version >= 1", name="version_positive"),
        sa.CheckConstraint("(version = 1) = (supersedes_id IS NULL)", name="supersedes_iff_later"),
    )

    @property
    def document(self) -> dict[str, Any]:
        return dict(json.loads(self.document_json))
