"""The accounting of disclosures: each release of a case's PHI to a law firm (45 CFR 164.528)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lienrx.auth.models import User
from lienrx.cases import rules
from lienrx.core import clock
from lienrx.core.db import UTCDateTime, one_of
from lienrx.extensions import db
from lienrx.parties.models import LawFirm


class Disclosure(db.Model):  # type: ignore[name-defined]
    """One disclosure: when, to which firm, what (a code), by whose read, of which patient's
    case. Ids and codes only, so the row itself holds no PHI; indexed by patient, the way the
    accounting is asked for."""

    __tablename__ = "disclosures"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.utcnow)
    patient_id: Mapped[int] = mapped_column(sa.ForeignKey("patients.id", ondelete="RESTRICT"))
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="RESTRICT"))
    law_firm_id: Mapped[int] = mapped_column(sa.ForeignKey("law_firms.id", ondelete="RESTRICT"))
    what: Mapped[str] = mapped_column(sa.String(24))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))

    law_firm: Mapped[LawFirm] = relationship()
    user: Mapped[User] = relationship()

    __table_args__ = (
        one_of("what", rules.WHAT, "what_known"),
        sa.Index("ix_disclosures_patient_occurred", "patient_id", "occurred_at"),
    )
