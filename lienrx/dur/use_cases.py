"""Flows that span prescribing and DUR, called alike by the API, the pages and the seeds.

They live here, not in ``prescribing``, because DUR reads prescriptions: ``dur`` depends on
``prescribing``, never the other way round.
"""

from __future__ import annotations

from typing import Any

from lienrx.core.actors import Actor
from lienrx.dur import services as dur
from lienrx.dur.queries import PrescriptionView
from lienrx.prescribing import edits
from lienrx.prescribing import services as prescribing


def enter_prescription(actor: Actor | None, **fields: Any) -> PrescriptionView:
    """Enter a prescription and run its DUR review at entry; return it with its alerts.

    ``fields`` are those of :func:`lienrx.prescribing.services.create_prescription`. The
    alerts are stored with the prescription, so a refused entry leaves none behind.
    """
    prescription = prescribing.create_prescription(actor, **fields)
    return PrescriptionView(prescription, dur.evaluate(prescription, actor))


def edit_prescription(actor: Actor, prescription_id: int, **fields: Any) -> PrescriptionView:
    """Correct a prescription nothing was dispensed against and run its DUR review again on
    what it now says (``fields`` of :func:`lienrx.prescribing.edits.edit_prescription`)."""
    prescription = edits.edit_prescription(actor, prescription_id, **fields)
    return PrescriptionView(prescription, dur.evaluate(prescription, actor))
