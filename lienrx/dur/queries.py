"""Read models: a prescription seen with its DUR alerts; the open alerts of the queue."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from lienrx.core.paging import Page, fetch_page
from lienrx.dur.models import DurAlert
from lienrx.prescribing.models import Prescription

LIMIT = 100


@dataclass
class PrescriptionView:
    """A prescription with the DUR alerts to show beside it."""

    prescription: Prescription
    dur_alerts: list[DurAlert]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.prescription, name)


def open_alerts() -> Page[Any]:
    """DUR alerts without a resolution on prescriptions still in use, high severity first
    (the first ``LIMIT`` as (alert, prescription) and how many there are)."""
    order = sa.case((DurAlert.severity == "high", 0), (DurAlert.severity == "moderate", 1),
                    else_=2)
    return fetch_page(
        sa.select(DurAlert, Prescription).join(Prescription,
                                               Prescription.id == DurAlert.prescription_id)
        .where(DurAlert.status == "open", Prescription.status == "active")
        .order_by(order, DurAlert.id), page_size=LIMIT, scalars=False)
