"""Fixtures for the inventory: bulk ketamine received against an invoice, a commercial
controlled product, and a way to post to the API."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask

from lienrx.core import clock
from lienrx.extensions import db
from lienrx.inventory import services
from tests import factories
from tests.dispensing.conftest import counter  # noqa: F401
from tests.formulary.factories import load_products, pharmacist, seeded, tech  # noqa: F401
from tests.staff.conftest import staff  # noqa: F401

KETAMINE = "Ketamine hydrochloride USP powder"
KETAMINE_NDC = "62991-1087-2"  # Letco Medical ketamine HCl bulk powder, 100 g jar (openFDA)
SUPPLIER_DEA = "PB1234563"     # a distributor's number with a valid check digit (made up)
ZOLPIDEM_NDC = "0093-0073-01"  # Teva zolpidem 5 mg, C-IV (the formulary seed's NDC)


def receipt(**fields: Any) -> dict[str, Any]:
    """A receipt body for 100 g of bulk ketamine, lot K-001, received yesterday."""
    today = clock.today()
    return {"component": KETAMINE, "ndc": KETAMINE_NDC, "lot_number": "K-001",
            "expiration_date": (today + timedelta(days=700)).isoformat(), "quantity": 100,
            "unit": "g", "supplier": "Demo Compounding Supply", "supplier_dea_number":
            SUPPLIER_DEA, "invoice_number": "INV-5521",
            "received_on": (today - timedelta(days=1)).isoformat(), **fields}


def receive(actor: Any = None, **fields: Any) -> Any:
    """Receive through the service (dates as dates, quantity as Decimal); the lot."""
    body = receipt(**fields)
    for name in ("expiration_date", "received_on"):
        if isinstance(body[name], str):
            body[name] = clock.today().fromisoformat(body[name])
    body["quantity"] = Decimal(str(body["quantity"]))
    return services.receive(actor, **body)


@pytest.fixture
def stock(app: Flask) -> dict[str, int]:
    """The ketamine and zolpidem products loaded; a pharmacist; lot K-001 holding 100 g."""
    with app.app_context():
        ids = load_products("KET-CRM-10", "ZOLP-TAB-5", "ZOLP-TAB-10", "GABA-CAP-300")
        rph = factories.user("pharmacist")
        lot = receive(rph)
        db.session.commit()
        return {"lot_id": lot.id, "pharmacist_id": rph.id, **ids}
