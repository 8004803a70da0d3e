"""Read models of prescriptions for the staff pages."""

from __future__ import annotations

import sqlalchemy as sa

from lienrx.extensions import db
from lienrx.prescribing.models import Prescription


def case_prescriptions(case_id: int) -> list[Prescription]:
    """All of a case's prescriptions, newest first (shown on the case page, read audited)."""
    return list(db.session.execute(
        sa.select(Prescription).where(Prescription.case_id == case_id)
        .order_by(Prescription.id.desc())).scalars())
