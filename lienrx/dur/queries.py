"""Read models: a prescription seen with its DUR alerts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lienrx.dur.models import DurAlert
from lienrx.prescribing.models import Prescription


@dataclass
class PrescriptionView:
    """A prescription with the DUR alerts to show beside it."""

    prescription: Prescription
    dur_alerts: list[DurAlert]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.prescription, name)
