"""The pharmacist's inventory pages: receive, on hand by lot, a lot's history with the waste,
destruction and loss form, the count sheet; the work queue's inventory items; the demo seed."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from lienrx.auth.models import User
from lienrx.core import clock
from lienrx.extensions import db
from lienrx.inventory import services
from lienrx.inventory.invariants import check_inventory, drawn_records
from lienrx.inventory.models import InventoryLot
from tests.inventory.conftest import KETAMINE, SUPPLIER_DEA, receive

FORM_KEY = "submission_key"


def receive_form(**fields):
    today = clock.today()
    return {"component": KETAMINE, "ndc": "62991-1087-2", "lot_number": "PG-1",
            "expiration_date": (today + timedelta(days=400)).isoformat(), "quantity": "50",
            "unit": "g", "supplier": "Demo Compounding Supply",
            "supplier_dea_number": SUPPLIER_DEA, "invoice_number": "INV-1",
            "received_on": today.isoformat(), **fields}


def key(page):
    return re.search(r'name="submission_key" value="([^"]+)"', page).group(1)


def test_a_pharmacist_receives_stock_on_the_page(app, staff, stock):
    rph = staff("pharmacist")
    page = rph.get("/staff/inventory/receive").get_data(as_text=True)
    assert "Supplier DEA number" in page
    response = rph.post("/staff/inventory/receive", data={**receive_form(), FORM_KEY: key(page)})
    assert response.status_code == 302
    lot_page = rph.get(response.headers["Location"]).get_data(as_text=True)
    assert "50 g" in lot_page and "INV-1" in lot_page
    replay = rph.post("/staff/inventory/receive", data={**receive_form(), FORM_KEY: key(page)})
    assert replay.status_code == 302  # the double-click posts once
    with app.app_context():
        assert services.lot_for_component(KETAMINE, "PG-1").on_hand == 50


def test_a_bad_receipt_shows_each_error_by_its_field(staff, stock):
    rph = staff("pharmacist")
    typed = rph.post("/staff/inventory/receive", data=receive_form(quantity="-1", unit="kg"))
    assert typed.status_code == 422
    assert "Quantity: Must be greater than zero." in typed.get_data(as_text=True)
    tomorrow = (clock.today() + timedelta(days=1)).isoformat()
    response = rph.post("/staff/inventory/receive", data=receive_form(
        supplier_dea_number="PB1234564", received_on=tomorrow))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="f-supplier_dea_number-error"' in page and "check digit" in page
    assert "Supplier DEA number: Not a valid DEA registration number" in page
    assert "Received on: Must not be in the future." in page


def test_on_hand_by_lot_shows_expiry_and_links_the_history(staff, stock):
    page = staff("pharmacist").get("/staff/inventory").get_data(as_text=True)
    assert KETAMINE in page and "K-001" in page and "100 g" in page and "C-III" in page
    tech_page = staff("technician").get("/staff/inventory")
    assert tech_page.status_code == 200 and "Receive stock" not in tech_page.get_data(
        as_text=True)
    assert staff("billing").get("/staff/inventory").status_code == 403


def test_a_loss_recorded_on_the_lot_page_asks_for_what_form_106_needs(app, staff, stock):
    rph = staff("pharmacist")
    lot_url = f"/staff/inventory/lots/{stock['lot_id']}"
    refused = rph.post(f"{lot_url}/movements", data={"kind": "loss", "quantity": "2",
                                                     "reason": "container missing"})
    assert refused.status_code == 422
    assert 'id="f-discovered_on-error"' in refused.get_data(as_text=True)
    done = rph.post(f"{lot_url}/movements", data={
        "kind": "destruction", "quantity": "2", "reason": "expired", "method": "incineration",
        "witnesses.0": "Pat Ray", "witnesses.1": "Lee Chu"})
    assert done.status_code == 302
    page = rph.get(lot_url).get_data(as_text=True)
    assert "witnessed by Pat Ray, Lee Chu" in page and "98 g" in page
    over = rph.post(f"{lot_url}/movements", data={"kind": "waste", "quantity": "99",
                                                  "reason": "r", "witnesses.0": "A"})
    assert over.status_code == 409 and "Not enough in the lot" in over.get_data(as_text=True)


def test_the_count_sheet_posts_variances_and_shows_errors_on_their_row(app, staff, stock):
    rph = staff("pharmacist")
    sheet = rph.get("/staff/inventory/count").get_data(as_text=True)
    assert "K-001" in sheet
    later = datetime.now(UTC) + timedelta(minutes=2)
    clock.freeze(later)  # the count is entered a minute after it was taken
    moment = (later - timedelta(minutes=1)).astimezone(clock.timezone()).strftime(
        "%Y-%m-%dT%H:%M")
    base = {"kind": "biennial", "business_hours": "opening", "counted_at": moment, "row": "0",
            "lines.0.lot_id": str(stock["lot_id"])}
    bad = rph.post("/staff/inventory/count", data={**base, "lines.0.counted_quantity": "x"})
    assert bad.status_code == 422
    assert 'id="f-lines-0-counted_quantity-error"' in bad.get_data(as_text=True)
    good = rph.post("/staff/inventory/count", data={**base, "lines.0.counted_quantity": "97.5"})
    assert good.status_code == 302
    with app.app_context():
        assert db.session.get(InventoryLot, stock["lot_id"]).on_hand == Decimal("97.5")


def test_the_work_queue_shows_inventory_due_variances_and_form_106_notices(app, staff, stock):
    rph = staff("pharmacist")
    page = rph.get("/staff/?stage=inventory").get_data(as_text=True)
    assert "Biennial inventory never taken" in page
    with app.app_context():
        user = db.session.get(User, stock["pharmacist_id"])
        two_years_ago = clock.utcnow() - timedelta(days=700)
        clock.freeze(two_years_ago)  # a lot on the shelf then, counted at the last biennial
        old = receive(user, lot_number="OLD-1")
        services.record_count(user, kind="biennial", counted_at=two_years_ago,
                              business_hours="opening",
                              lines=[{"lot_id": old.id, "counted_quantity": 100}])
        clock.freeze(None)
        services.record_count(user, kind="periodic", counted_at=clock.utcnow(),
                              business_hours="closing",
                              lines=[{"lot_id": stock["lot_id"], "counted_quantity": 99}])
        friday = clock.today() - timedelta(days=(clock.today().weekday() - 4) % 7)
        services.record_movement(user, lot_id=stock["lot_id"], kind="theft",
                                 quantity=Decimal(1), reason="break-in", discovered_on=friday)
        db.session.commit()
        due = clock.local_date(two_years_ago).replace(year=clock.local_date(
            two_years_ago).year + 2)
    page = rph.get("/staff/?stage=inventory").get_data(as_text=True)
    assert f"Biennial inventory due by {due.isoformat()}" in page
    assert "found a variance of -1 g" in page
    monday = friday + timedelta(days=3)  # one business day after a Friday discovery
    assert f"DEA notice due by {monday.isoformat()}" in page
    assert f"Form 106 by {(friday + timedelta(days=45)).isoformat()}" in page


@pytest.mark.parametrize("path", ["/staff/inventory/receive", "/staff/inventory/count"])
def test_technicians_do_not_receive_or_count(staff, stock, path):
    assert staff("technician").get(path).status_code == 403


def test_the_demo_seed_receives_the_stock_its_batch_and_gabapentin_fill_draw(runner, ctx):
    result = runner.invoke(args=["seed", "demo"])
    assert result.exit_code == 0, result.output
    db.session.remove()
    lot = services.lot_for_component(KETAMINE, "DEMO0")
    assert lot is not None and lot.on_hand == 90 and lot.dea_schedule == "III"  # 10 g used
    assert lot.ndc == "62991108702"
    gabapentin = services.lot_for_ndc("65162-102-10", "DEMO-GB1")
    assert gabapentin is not None and gabapentin.on_hand == 410  # 500 less the 90 filled
    assert gabapentin.dea_schedule == "V"  # in Tennessee
    assert check_inventory(drawn_records()) == (2, [])
