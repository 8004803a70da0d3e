"""SPEC §7.5 receiving: a lot received against a supplier's invoice, its DEA number checked;
the receipt's id is the lot's, and the same lot received again adds to it."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from lienrx.core import clock
from lienrx.extensions import db
from lienrx.inventory.models import InventoryLot, InventoryMovement
from tests.inventory.conftest import KETAMINE, ZOLPIDEM_NDC, receipt


def movements(app):
    with app.app_context():
        return db.session.execute(sa.select(sa.func.count(InventoryMovement.id))).scalar_one()


def test_receipt_creates_the_lot_with_its_schedule_and_on_hand(app, api_as, stock):
    rph = api_as("pharmacist")
    response = rph.post("/api/v1/inventory/receipts", json=receipt(lot_number="K-002"))
    assert response.status_code == 201, response.json
    lot = response.json
    assert lot["on_hand"] == 100 and lot["unit"] == "g" and lot["ndc"] == "62991108702"
    assert lot["component"] == KETAMINE and lot["dea_schedule"] == "III" and lot["controlled"]
    listed = rph.get(f"/api/v1/inventory/lots/{lot['id']}/movements").json
    assert [(m["kind"], m["quantity"], m["supplier_dea_number"]) for m in listed] == [
        ("receipt", 100, "PB1234563")]


def test_receiving_the_same_lot_again_adds_a_receipt_to_it(app, api_as, stock):
    again = api_as("pharmacist").post("/api/v1/inventory/receipts",
                                      json=receipt(quantity=25.5, invoice_number="INV-6000"))
    assert again.status_code == 201
    assert again.json["id"] == stock["lot_id"] and again.json["on_hand"] == 125.5
    assert movements(app) == 2


def test_a_commercial_product_is_received_by_one_of_its_ndcs(app, api_as, stock):
    rph = api_as("pharmacist")
    body = receipt(component=None, product_id=stock["ZOLP-TAB-5"], ndc=ZOLPIDEM_NDC,
                   lot_number="T-77", quantity=100, unit="each")
    response = rph.post("/api/v1/inventory/receipts", json=body)
    assert response.status_code == 201, response.json
    assert response.json["drug"].startswith("Zolpidem") and response.json["dea_schedule"] == "IV"
    wrong = rph.post("/api/v1/inventory/receipts", json={**body, "ndc": KETAMINE_NDC_OTHER})
    assert wrong.status_code == 422 and set(wrong.json["errors"]) == {"ndc"}


KETAMINE_NDC_OTHER = "60592-401-10"


@pytest.mark.parametrize(("change", "field"), [
    ({"supplier_dea_number": "PB1234564"}, "supplier_dea_number"),  # check digit wrong
    ({"ndc": "6299110872"}, "ndc"),                                  # ambiguous 10 digits
    ({"component": "Ketamine"}, "component"),                        # not an MFR's name
    ({"component": None}, "component"),                              # neither named
    ({"product_id": 1}, "component"),                                # both named
    # dates taken when the test runs, not when it is collected (the pharmacy's day may turn)
    (lambda: {"received_on": (clock.today() + timedelta(days=1)).isoformat()}, "received_on"),
    (lambda: {"expiration_date": (clock.today() - timedelta(days=3)).isoformat()},
     "expiration_date"),
    ({"quantity": 0}, "quantity"),
    ({"unit": "kg"}, "unit"),
    ({"invoice_number": " "}, "invoice_number"),
    ({"supplier": None}, "supplier"),
])
def test_a_bad_receipt_is_refused_naming_the_field_and_posts_nothing(app, api_as, stock,
                                                                      change, field):
    change = change() if callable(change) else change
    response = api_as("pharmacist").post("/api/v1/inventory/receipts",
                                         json=receipt(lot_number="NEW-1", **change))
    assert response.status_code == 422, response.json
    assert field in response.json["errors"], response.json
    assert movements(app) == 1
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count(InventoryLot.id))).scalar_one() == 1


@pytest.mark.parametrize(("change", "field"), [
    (lambda: {"expiration_date": (clock.today() + timedelta(days=900)).isoformat()},
     "expiration_date"),
    ({"unit": "mL"}, "unit"),
])
def test_the_same_lot_must_agree_with_what_was_received(app, api_as, stock, change, field):
    change = change() if callable(change) else change
    response = api_as("pharmacist").post("/api/v1/inventory/receipts", json=receipt(**change))
    assert response.status_code == 422 and field in response.json["errors"]
    assert movements(app) == 1


def test_only_a_pharmacist_receives(api_as, anonymous, stock):
    assert api_as("technician").post("/api/v1/inventory/receipts",
                                     json=receipt()).status_code == 403
    assert anonymous.post("/api/v1/inventory/receipts", json=receipt()).status_code == 401
