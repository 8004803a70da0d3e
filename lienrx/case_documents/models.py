"""Documents kept on a case: signed agreements, HIPAA authorizations, medical-necessity
letters; each file encrypted at rest in a table of its own."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lienrx.auth.models import User
from lienrx.case_documents import rules
from lienrx.core import clock
from lienrx.core.crypto import EncryptedBytes
from lienrx.core.db import UTCDateTime, one_of
from lienrx.extensions import db
from lienrx.parties.models import LawFirm


class CaseDocument(db.Model):  # type: ignore[name-defined]
    """A file kept on a case (PDF or image), known by its SHA-256.

    A HIPAA authorization names the law firm it lets the pharmacy disclose to, may expire
    (``expires_on``, the last day it holds) and may be revoked by the patient (``revoked_at``
    with the reason). The file itself is in :class:`CaseDocumentContent`, so listing
    documents never reads (or decrypts) a file.
    """

    __tablename__ = "case_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(
        sa.ForeignKey("cases.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(24))
    law_firm_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("law_firms.id", ondelete="RESTRICT"), index=True)
    expires_on: Mapped[date | None]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    size: Mapped[int]
    content_type: Mapped[str] = mapped_column(sa.String(40))
    uploaded_by_user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"))
    revocation_reason: Mapped[str | None] = mapped_column(sa.String(500))

    law_firm: Mapped[LawFirm | None] = relationship()
    uploaded_by: Mapped[User | None] = relationship(foreign_keys=[uploaded_by_user_id])

    __table_args__ = (
        one_of("kind", rules.KINDS, "kind_known"),
        one_of("content_type", rules.CONTENT_TYPES, "content_type_known"),
        sa.CheckConstraint("size > 0", name="size_positive"),
        sa.CheckConstraint(f"kind != '{rules.HIPAA_AUTHORIZATION}' OR law_firm_id IS NOT NULL",
                           name="authorization_names_a_firm"),
        sa.CheckConstraint("(revoked_at IS NULL) = (revocation_reason IS NULL)",
                           name="revocation_has_a_reason"),
    )


class CaseDocumentContent(db.Model):  # type: ignore[name-defined]
    """The bytes of one case document, encrypted with the PHI data keys."""

    __tablename__ = "case_document_contents"

    document_id: Mapped[int] = mapped_column(
        sa.ForeignKey("case_documents.id", ondelete="CASCADE"), primary_key=True)
    content: Mapped[bytes] = mapped_column(EncryptedBytes)
