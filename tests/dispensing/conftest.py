"""Fixtures for dispensing: a seeded formulary, an active case, prescriptions, a batch."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from lienrx.compounding import services as compounding
from lienrx.extensions import db
from tests import factories
from tests.formulary.factories import (  # noqa: F401
    GABAPENTIN_300_NDC,
    load_products,
    lots_for,
    passing_qc,
    pharmacist,
    prescription,
    receive_ndc_lot,
    seeded,
    tech,
)


@dataclass
class Counter:
    """Ids of what a dispensing test works with."""

    case_id: int
    firm_id: int
    prescriber_id: int
    gabapentin_rx: int
    cream_rx: int
    batch_id: int
    compounder_id: int


def pending_batch(code: str, quantity: int, compounder: Any) -> int:
    """A batch recorded with passing QC results, awaiting a pharmacist's verification."""
    product_id = load_products(code)[code]
    lots = [{**lot, "expiration_date": date.fromisoformat(lot["expiration_date"]),
             "quantity": Decimal(str(lot["quantity"]))} for lot in lots_for(code, quantity)]
    batch = compounding.record_batch(compounder, product_id=product_id,
                                     quantity=Decimal(quantity), ingredients=lots,
                                     qc_results=passing_qc(code, quantity))
    return batch.id


def verified_batch(code: str, quantity: int, compounder: Any, verifier: Any) -> int:
    """A batch recorded, then (in a transaction of its own, as a second request would be)
    verified."""
    batch_id = pending_batch(code, quantity, compounder)
    db.session.commit()
    compounding.verify_batch(verifier, batch_id)
    return batch_id


@pytest.fixture
def counter(app, world) -> Counter:
    """Gabapentin 300 mg × 90 (1 refill; schedule V in TN, lot GB2291A received) and ketamine
    10 % cream 30 g (2 refills) on an active case, with a verified 120 g batch of the cream."""
    with app.app_context():
        load_products("GABA-CAP-300", "KET-CRM-10")
        gabapentin = prescription(world.case_id, world.prescriber_id, "GABA-CAP-300",
                                  quantity=Decimal(90), days_supply=30, refills_authorized=1,
                                  sig="1 capsule by mouth three times daily")
        cream = prescription(world.case_id, world.prescriber_id, "KET-CRM-10",
                             quantity=Decimal(30), days_supply=30, refills_authorized=2,
                             sig="Apply 1 g to the affected limb three times daily")
        compounder = factories.user("technician")
        verifier = factories.user("pharmacist")
        batch_id = verified_batch("KET-CRM-10", 120, compounder, verifier)
        receive_ndc_lot(GABAPENTIN_300_NDC, "GB2291A")
        db.session.commit()
        return Counter(world.case_id, world.firm_id, world.prescriber_id, gabapentin.id,
                       cream.id, batch_id, compounder.id)


def gabapentin_fill(counter: Counter, **overrides: Any) -> dict[str, Any]:
    return {"prescription_id": counter.gabapentin_rx, "quantity": 90, "days_supply": 30,
            "ndc": GABAPENTIN_300_NDC, "lot_number": "GB2291A", **overrides}


def cream_fill(counter: Counter, **overrides: Any) -> dict[str, Any]:
    return {"prescription_id": counter.cream_rx, "quantity": 30, "days_supply": 30,
            "compounding_record_id": counter.batch_id, **overrides}
