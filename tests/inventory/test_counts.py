"""SPEC §7.5 counts (21 CFR 1304.11): a physical count per lot, its variance posted as an
adjustment with a reason; Schedule II counted exactly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from lienrx.auth.models import User
from lienrx.core import clock
from lienrx.core.errors import Conflict
from lienrx.extensions import db
from lienrx.formulary import services as formulary
from lienrx.inventory import services
from lienrx.inventory.models import InventoryMovement
from tests.formulary.factories import extra_product
from tests.inventory.conftest import ZOLPIDEM_NDC, receive


def count_body(*lines, kind="periodic", **fields):
    return {"kind": kind, "counted_at": clock.utcnow().isoformat(), "business_hours": "closing",
            "lines": list(lines), **fields}


def test_a_count_posts_each_variance_as_an_adjustment(app, api_as, stock):
    rph = api_as("pharmacist")
    response = rph.post("/api/v1/inventory/counts", json=count_body(
        {"lot_id": stock["lot_id"], "counted_quantity": 98.25}))
    assert response.status_code == 201, response.json
    assert response.json["lines"] == [{"lot_id": stock["lot_id"], "expected": 100,
                                       "counted": 98.25, "variance": -1.75, "estimated": False,
                                       "movement_id": response.json["lines"][0]["movement_id"]}]
    journal = rph.get(f"/api/v1/inventory/lots/{stock['lot_id']}/movements").json
    adjustment = journal[-1]
    assert adjustment["kind"] == "adjustment" and adjustment["quantity"] == -1.75
    assert adjustment["source"] == {"type": "inventory_count", "id": response.json["id"]}
    assert "counted 98.25 g, the books held 100 g" in adjustment["reason"]


def test_a_count_that_agrees_posts_nothing(app, api_as, stock):
    response = api_as("pharmacist").post("/api/v1/inventory/counts", json=count_body(
        {"lot_id": stock["lot_id"], "counted_quantity": 100}, kind="biennial"))
    assert response.status_code == 201
    assert response.json["lines"][0]["variance"] == 0
    assert response.json["lines"][0]["movement_id"] is None


def test_a_count_expects_what_the_journal_held_when_it_was_taken(ctx, stock):
    rph = db.session.get(User, stock["pharmacist_id"])
    counted_at = clock.utcnow()
    clock.freeze(counted_at + timedelta(hours=3))  # entered three hours after the count
    services.draw(rph, stock["lot_id"], Decimal(10), "dispense", source=("dispense", 1))
    count = services.record_count(rph, kind="periodic", counted_at=counted_at,
                                  business_hours="opening",
                                  lines=[{"lot_id": stock["lot_id"],
                                          "counted_quantity": Decimal(99)}])
    db.session.commit()
    assert (count.lines[0].expected, count.lines[0].variance) == (100, -1)
    assert services.get_lot(stock["lot_id"]).on_hand == 89


def test_a_schedule_ii_lot_is_never_estimated(app, api_as, stock):
    with app.app_context():
        product = extra_product("OXY-5", ["opioid"], dea_schedule="II")
        formulary.set_product_ndcs(None, product, [{"ndc": "0406-0552-01"}])
        product_lot = receive(None, component=None, product_id=product.id, ndc="0406-0552-01",
                              lot_number="OX1", quantity=100, unit="each")
        zolpidem = receive(None, component=None, product_id=stock["ZOLP-TAB-5"],
                           ndc=ZOLPIDEM_NDC, lot_number="Z1", quantity=100, unit="each")
        db.session.commit()
        c2, c4 = product_lot.id, zolpidem.id
    rph = api_as("pharmacist")
    refused = rph.post("/api/v1/inventory/counts", json=count_body(
        {"lot_id": c4, "counted_quantity": 95, "estimated": True},
        {"lot_id": c2, "counted_quantity": 95, "estimated": True}))
    assert refused.status_code == 422
    assert set(refused.json["errors"]) == {"lines.1.estimated"}
    allowed = rph.post("/api/v1/inventory/counts", json=count_body(
        {"lot_id": c4, "counted_quantity": 95, "estimated": True}))
    assert allowed.status_code == 201 and allowed.json["lines"][0]["estimated"] is True


@pytest.mark.parametrize(("lines", "fields", "errors"), [
    ([{"lot_id": 999, "counted_quantity": 1}], {}, {"lines.0.lot_id"}),
    ("one", {"counted_at": (datetime.now(UTC) - timedelta(days=2)).isoformat()},
     {"lines.0.lot_id"}),  # before the lot was first received
    ([{"lot_id": "LOT", "counted_quantity": 1}], {}, {"lines"}),
    ("twice", {}, {"lines.1.lot_id"}),
    ([], {}, {"lines"}),
    ("one", {"counted_at": (datetime.now(UTC) + timedelta(hours=2)).isoformat()},
     {"counted_at"}),
    ("one", {"business_hours": "noon"}, {"business_hours"}),
    ("one", {"kind": "annual"}, {"kind"}),
])
def test_a_bad_count_is_refused_naming_the_line_and_posts_nothing(app, api_as, stock, lines,
                                                                  fields, errors):
    line = {"lot_id": stock["lot_id"], "counted_quantity": 1}
    if isinstance(lines, str):
        lines = {"twice": [line, line], "one": [line]}[lines]
    response = api_as("pharmacist").post("/api/v1/inventory/counts",
                                         json={**count_body(*lines), **fields})
    assert response.status_code == 422
    assert set(response.json["errors"]) == errors, response.json
    with app.app_context():
        assert db.session.query(InventoryMovement).count() == 1


def test_a_variance_that_stock_drawn_since_cannot_cover_is_refused(ctx, stock):
    rph = db.session.get(User, stock["pharmacist_id"])
    counted_at = clock.utcnow()
    clock.freeze(counted_at + timedelta(hours=1))
    services.draw(rph, stock["lot_id"], Decimal(95), "dispense", source=("dispense", 1))
    with pytest.raises(Conflict) as refused:  # counted 10 at the time, 95 left since
        services.record_count(rph, kind="periodic", counted_at=counted_at,
                              business_hours="closing",
                              lines=[{"lot_id": stock["lot_id"], "counted_quantity": 10}])
    assert refused.value.code == "insufficient_inventory"


def test_only_a_pharmacist_records_a_count(api_as, stock):
    response = api_as("technician").post("/api/v1/inventory/counts", json=count_body(
        {"lot_id": stock["lot_id"], "counted_quantity": 1}))
    assert response.status_code == 403
