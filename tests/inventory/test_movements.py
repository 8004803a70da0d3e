"""SPEC §7.5: waste (a witness), destruction (DEA Form 41: method, two witnesses), loss and
theft (DEA Form 106: discovered on, circumstances) and adjustments (a reason), each a signed
movement of the lot's journal; never more than the lot holds (409 insufficient_inventory)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from lienrx.auth.models import User
from lienrx.core import clock
from lienrx.core.errors import Conflict, ValidationFailed
from lienrx.extensions import db
from lienrx.inventory import services
from lienrx.inventory.models import InventoryDestruction, InventoryLot

FORM_41 = {"method": "Reverse distributor incineration", "witnesses": ["Pat Ray", "Lee Chu"]}


def body(lot_id, kind, quantity=5, **fields):
    return {"lot_id": lot_id, "kind": kind, "quantity": quantity,
            "reason": "spilled while weighing", **fields}


def on_hand(app, lot_id):
    with app.app_context():
        return db.session.get(InventoryLot, lot_id).on_hand


@pytest.mark.parametrize(("kind", "fields", "signed"), [
    ("waste", {"witnesses": ["Pat Ray"]}, -5),
    ("destruction", FORM_41, -5),
    ("loss", {"discovered_on": clock.today().isoformat()}, -5),
    ("theft", {"discovered_on": clock.today().isoformat()}, -5),
    ("adjustment", {"direction": "decrease"}, -5),
    ("adjustment", {"direction": "increase"}, 5),
])
def test_every_manual_movement_kind_posts_its_signed_quantity(app, api_as, stock, kind,
                                                              fields, signed):
    rph = api_as("pharmacist")
    response = rph.post("/api/v1/inventory/movements", json=body(stock["lot_id"], kind, **fields))
    assert response.status_code == 201, response.json
    assert response.json["kind"] == kind and response.json["quantity"] == signed
    assert on_hand(app, stock["lot_id"]) == 100 + signed
    journal = rph.get(f"/api/v1/inventory/lots/{stock['lot_id']}/movements").json
    assert [m["kind"] for m in journal] == ["receipt", kind]


@pytest.mark.parametrize(("kind", "fields", "missing"), [
    ("waste", {}, {"witnesses"}),
    ("destruction", {"witnesses": ["Pat Ray"]}, {"method", "witnesses"}),
    ("destruction", {"method": "x", "witnesses": ["Pat Ray", "pat ray"]}, {"witnesses"}),
    ("loss", {}, {"discovered_on"}),
    ("theft", {"discovered_on": (clock.today() + timedelta(days=2)).isoformat()},
     {"discovered_on"}),
    ("adjustment", {}, {"direction"}),
    ("waste", {"witnesses": ["A"], "reason": None}, {"reason"}),
    ("waste", {"witnesses": ["A"], "destruction_id": 1}, {"destruction_id"}),
])
def test_a_movement_missing_what_its_kind_needs_is_refused_naming_each_field(
        app, api_as, stock, kind, fields, missing):
    response = api_as("pharmacist").post("/api/v1/inventory/movements",
                                         json=body(stock["lot_id"], kind, **fields))
    assert response.status_code == 422
    assert set(response.json["errors"]) == missing, response.json
    assert on_hand(app, stock["lot_id"]) == 100


def test_a_receipt_or_a_draw_is_not_a_manual_movement(api_as, stock):
    response = api_as("pharmacist").post("/api/v1/inventory/movements",
                                         json=body(stock["lot_id"], "receipt"))
    assert response.status_code == 422 and set(response.json["errors"]) == {"kind"}


@pytest.mark.parametrize(("kind", "fields"), [
    ("waste", {"witnesses": ["Pat Ray"]}), ("destruction", FORM_41),
    ("loss", {"discovered_on": clock.today().isoformat()}),
    ("adjustment", {"direction": "decrease"})])
def test_more_than_on_hand_is_refused_as_insufficient_inventory(app, api_as, stock, kind, fields):
    response = api_as("pharmacist").post(
        "/api/v1/inventory/movements", json=body(stock["lot_id"], kind, 100.001, **fields))
    assert response.status_code == 409
    assert response.json["code"] == "insufficient_inventory"
    assert response.json["available"] == "100"
    assert on_hand(app, stock["lot_id"]) == 100


def test_an_unknown_lot_is_not_found(api_as, stock):
    response = api_as("pharmacist").post("/api/v1/inventory/movements",
                                         json=body(999, "adjustment", direction="increase"))
    assert response.status_code == 404


def test_only_a_pharmacist_records_movements(api_as, stock):
    response = api_as("technician").post("/api/v1/inventory/movements",
                                         json=body(stock["lot_id"], "waste", witnesses=["A"]))
    assert response.status_code == 403


def test_a_set_aside_destruction_is_completed_by_its_witnessed_destruction(ctx, stock):
    user = db.session.get(User, stock["pharmacist_id"])
    pending = services.open_destruction(user, stock["lot_id"], Decimal(30),
                                        reason="expired container")
    db.session.commit()
    with pytest.raises(Conflict) as refused:  # 30 g is held: 70 g may be wasted
        services.record_movement(user, lot_id=stock["lot_id"], kind="waste",
                                 quantity=Decimal(71), reason="r", witnesses=["A"])
    assert refused.value.code == "insufficient_inventory"
    with pytest.raises(ValidationFailed) as wrong:
        services.record_movement(user, lot_id=stock["lot_id"], kind="destruction",
                                 quantity=Decimal(29), reason="r", destruction_id=pending.id,
                                 **FORM_41)
    assert set(wrong.value.errors) == {"quantity"}
    destroyed = services.record_movement(user, lot_id=stock["lot_id"], kind="destruction",
                                         quantity=Decimal(30), reason="expired",
                                         destruction_id=pending.id, **FORM_41)
    db.session.commit()
    assert destroyed.source == {"type": "inventory_destruction", "id": pending.id}
    assert db.session.get(InventoryDestruction, pending.id).status == "destroyed"
    assert services.get_lot(stock["lot_id"]).on_hand == 70
    with pytest.raises(Conflict) as again:
        services.record_movement(user, lot_id=stock["lot_id"], kind="destruction",
                                 quantity=Decimal(30), reason="again",
                                 destruction_id=pending.id, **FORM_41)
    assert again.value.code == "invalid_transition"
