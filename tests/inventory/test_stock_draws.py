"""SPEC §7.5: a batch draws its controlled ingredients from received lots, a controlled
commercial fill draws from its NDC lot, a reversal names what becomes of the stock, and
`lienrx inventory verify` finds any of them without its movements."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
import sqlalchemy as sa

from lienrx.compounding.models import CompoundingRecord
from lienrx.core.errors import Conflict
from lienrx.dispensing.models import Dispense
from lienrx.extensions import db
from lienrx.inventory import services
from lienrx.inventory.models import InventoryLot, InventoryMovement
from lienrx.inventory.queries import open_destructions
from tests.dispensing.conftest import cream_fill, gabapentin_fill
from tests.formulary.factories import (
    BULK_NDC,
    GABAPENTIN_300_NDC,
    KETAMINE,
    load_products,
    lots_for,
    passing_qc,
    prescription,
    receive_lot,
    receive_ndc_lot,
)
from tests.staff.confirming import confirmed
from tests.staff.conftest import text

ZOLPIDEM_10_NDC = "0093-0074-01"  # Teva zolpidem 10 mg, C-IV (one of the seed's NDCs)


def batch(code, product_id, quantity=100):
    """A batch body of ``code`` weighed to the formula; its lots are not received (the test
    receives what it needs)."""
    lots = lots_for(code, quantity, received=False)
    assert lots[0]["component"] == KETAMINE and lots[0]["lot_number"] == "L0000"
    return {"product_id": product_id, "quantity": quantity, "ingredients": lots,
            "qc_results": passing_qc(code, quantity)}


def movements(lot_id):
    return [(m.kind, m.quantity, m.source_type, m.source_id) for m in db.session.execute(
        sa.select(InventoryMovement).where(InventoryMovement.lot_id == lot_id)
        .order_by(InventoryMovement.id)).scalars()]


def on_hand(app, lot_id):
    with app.app_context():
        return services.get_lot(lot_id).on_hand


# --- compounding -----------------------------------------------------------------------------


def test_controlled_ingredient_lot_must_be_a_received_inventory_lot(app, seeded, tech):
    with app.app_context():
        body = batch("KET-CRM-10", seeded["KET-CRM-10"])
        receive_lot(KETAMINE, "L0000", 50, ndc="60592-401-10")  # same number, another NDC
        db.session.commit()
    refused = tech.post("/api/v1/compounding-records", json=body)
    assert refused.status_code == 422
    assert list(refused.json["errors"]["ingredients"]) == ["0"]  # the ketamine line only
    [message] = refused.json["errors"]["ingredients"]["0"]["lot_number"]
    assert "must be received into the inventory" in message and "NDC 38779046605" in message
    with app.app_context():
        assert db.session.query(CompoundingRecord).count() == 0
        receive_lot(KETAMINE, "L0000", 50)
        db.session.commit()
    assert tech.post("/api/v1/compounding-records", json=body).status_code == 201


def test_compounding_more_than_the_lot_holds_is_409_insufficient_inventory(app, seeded, tech):
    with app.app_context():
        body = batch("KET-CRM-10", seeded["KET-CRM-10"])  # 10 g of ketamine HCl
        lot_id = receive_lot(KETAMINE, "L0000", "9.5").id
        db.session.commit()
    refused = tech.post("/api/v1/compounding-records", json=body)
    assert refused.status_code == 409
    assert refused.json["code"] == "insufficient_inventory"
    assert "9.5 g available; 10 g was asked for" in refused.json["detail"]
    assert on_hand(app, lot_id) == Decimal("9.5")
    with app.app_context():
        assert db.session.query(CompoundingRecord).count() == 0


def test_batch_draws_its_controlled_ingredients_from_inventory(app, seeded, tech):
    with app.app_context():  # weighed in mg, drawn in the lot's grams
        body = batch("KET-CRM-10", seeded["KET-CRM-10"])
        body["ingredients"][0].update(quantity=10020, unit="mg")
        lot_id = receive_lot(KETAMINE, "L0000", 50).id
        db.session.commit()
    made = tech.post("/api/v1/compounding-records", json=body)
    assert made.status_code == 201, made.json
    with app.app_context():
        assert movements(lot_id) == [
            ("receipt", 50, None, None),
            ("compounding_use", Decimal("-10.02"), "compounding_record", made.json["id"])]
        assert services.get_lot(lot_id).on_hand == Decimal("39.98")
        # the propylene glycol and cream base are not controlled: no lot of theirs was asked for
        assert db.session.query(InventoryLot).count() == 1


@pytest.mark.postgres_only
def test_two_batches_drawing_the_last_grams_of_one_lot_at_once_exactly_one_wins(
        app, seeded, api_as):
    """A cream (10 g of ketamine HCl) and an oral solution (5.765 g) of two products, so
    no product lock stands between them: the lot's row lock decides."""
    with app.app_context():
        bodies = [batch("KET-CRM-10", seeded["KET-CRM-10"]),
                  batch("KET-SOL-50", seeded["KET-SOL-50"])]
        lot_id = receive_lot(KETAMINE, "L0000", 12).id
        db.session.commit()
    tokens = [api_as("technician").token for _ in bodies]
    barrier, statuses, guard = threading.Barrier(2), [], threading.Lock()

    def compound(token, body):
        client = app.test_client()
        barrier.wait()
        response = client.post("/api/v1/compounding-records", json=body,
                               headers={"Authorization": f"Bearer {token}"})
        with guard:
            statuses.append((response.status_code, (response.json or {}).get("code")))

    threads = [threading.Thread(target=compound, args=pair)
               for pair in zip(tokens, bodies, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [(201, None), (409, "insufficient_inventory")]
    with app.app_context():
        assert db.session.query(CompoundingRecord).count() == 1
        assert services.get_lot(lot_id).on_hand in (Decimal(2), Decimal("6.235"))
        assert [kind for kind, *_ in movements(lot_id)] == ["receipt", "compounding_use"]


# --- dispensing --------------------------------------------------------------------------


@pytest.fixture
def rph(api_as):
    return api_as("pharmacist")


def gabapentin_lot(app):
    with app.app_context():
        lot = services.lot_for_ndc(GABAPENTIN_300_NDC, "GB2291A")
        assert lot is not None and lot.dea_schedule == "V"  # in Tennessee
        return lot.id


@pytest.fixture
def zolpidem_rx(app, world):
    """Zolpidem 10 mg × 30 (C-IV) and a received lot of 40 tablets, ZP100."""
    with app.app_context():
        load_products("ZOLP-TAB-10")
        rx = prescription(world.case_id, world.prescriber_id, "ZOLP-TAB-10",
                          quantity=Decimal(30), days_supply=30)
        lot = receive_ndc_lot(ZOLPIDEM_10_NDC, "ZP100", 40)
        db.session.commit()
        return {"rx": rx.id, "lot": lot.id}


def zolpidem_fill(zolpidem_rx, **fields):
    return {"prescription_id": zolpidem_rx["rx"], "quantity": 30, "days_supply": 30,
            "ndc": ZOLPIDEM_10_NDC, "lot_number": "ZP100", "medguide_provided": True, **fields}


def test_controlled_commercial_dispense_draws_from_its_ndc_lot(app, rph, zolpidem_rx):
    fill = rph.post("/api/v1/dispenses", json=zolpidem_fill(zolpidem_rx))
    assert fill.status_code == 201, fill.json
    assert fill.json["inventory_lot_id"] == zolpidem_rx["lot"]
    with app.app_context():
        assert movements(zolpidem_rx["lot"])[1:] == [
            ("dispense", -30, "dispense", fill.json["id"])]
        assert services.get_lot(zolpidem_rx["lot"]).on_hand == 10


@pytest.mark.parametrize(("lot_number", "said"), [
    (None, "name the lot of NDC 00093007401"),
    ("ZP999", "no lot ZP999 of NDC 00093007401 was received")])
def test_a_controlled_fill_from_no_received_lot_is_422_on_lot_number(
        app, rph, zolpidem_rx, lot_number, said):
    refused = rph.post("/api/v1/dispenses", json=zolpidem_fill(zolpidem_rx,
                                                               lot_number=lot_number))
    assert refused.status_code == 422
    assert list(refused.json["errors"]) == ["lot_number"]
    assert said in refused.json["errors"]["lot_number"][0]
    with app.app_context():
        assert db.session.query(Dispense).count() == 0


def test_a_controlled_fill_beyond_its_lot_is_409_insufficient_inventory(app, rph, zolpidem_rx):
    with app.app_context():
        short = receive_ndc_lot(ZOLPIDEM_10_NDC, "ZP200", 20).id
        db.session.commit()
    refused = rph.post("/api/v1/dispenses", json=zolpidem_fill(zolpidem_rx, lot_number="ZP200"))
    assert refused.status_code == 409 and refused.json["code"] == "insufficient_inventory"
    assert refused.json["available"] == "20"
    assert "Lot ZP200 has 20 each available; 30 each was asked for" in refused.json["detail"]
    with app.app_context():
        assert db.session.query(Dispense).count() == 0
        assert services.get_lot(short).on_hand == 20


def test_non_controlled_and_compounded_fills_draw_nothing_from_the_inventory(
        app, rph, world, counter):
    with app.app_context():
        load_products("LIDO-PAT-5")
        patches = prescription(world.case_id, world.prescriber_id, "LIDO-PAT-5").id
        db.session.commit()
        ketamine = services.lot_for_component(KETAMINE, "L0000", BULK_NDC)
        assert ketamine is not None
        before = {lot.id: lot.on_hand for lot in db.session.query(InventoryLot)}
    plain = rph.post("/api/v1/dispenses", json={
        "prescription_id": patches, "quantity": 30, "days_supply": 30,
        "ndc": "0603-1880-16"})
    cream = rph.post("/api/v1/dispenses", json=cream_fill(counter))
    assert plain.status_code == cream.status_code == 201, (plain.json, cream.json)
    assert plain.json["inventory_lot_id"] is cream.json["inventory_lot_id"] is None
    with app.app_context():  # the batch drew its ketamine when it was compounded
        assert {lot.id: lot.on_hand for lot in db.session.query(InventoryLot)} == before


# --- reversal ----------------------------------------------------------------------------


@pytest.fixture
def gabapentin(app, rph, counter):
    """A gabapentin fill (schedule V in Tennessee) drawn from lot GB2291A: its ids."""
    fill = rph.post("/api/v1/dispenses", json=gabapentin_fill(counter))
    assert fill.status_code == 201, fill.json
    return {"id": fill.json["id"], "lot": gabapentin_lot(app)}


@pytest.mark.parametrize(("body", "said"), [
    ({}, "say whether the fill returns to stock"),
    ({"disposition": "shelf"}, "Choose one of")])
def test_reversal_of_a_controlled_dispense_needs_a_disposition(app, rph, gabapentin, body, said):
    refused = rph.post(f"/api/v1/dispenses/{gabapentin['id']}/reverse",
                       json={"reason": "never picked up", **body})
    assert refused.status_code == 422
    assert list(refused.json["errors"]) == ["disposition"]
    assert said in refused.json["errors"]["disposition"][0]
    assert rph.get(f"/api/v1/dispenses/{gabapentin['id']}").json["status"] == "dispensed"
    assert on_hand(app, gabapentin["lot"]) == 1000 - 90


def test_a_destroyed_compounded_fill_stays_out_of_its_batch(app, rph, counter):
    cream = rph.post("/api/v1/dispenses", json=cream_fill(counter)).json
    refused = rph.post(f"/api/v1/dispenses/{cream['id']}/reverse", json={"reason": "x"})
    assert refused.status_code == 422 and list(refused.json["errors"]) == ["disposition"]
    destroyed = rph.post(f"/api/v1/dispenses/{cream['id']}/reverse",
                         json={"reason": "tube split", "disposition": "destroy"})
    assert destroyed.status_code == 200 and destroyed.json["disposition"] == "destroy"
    batch = rph.get(f"/api/v1/compounding-records/{counter.batch_id}").json
    assert Decimal(batch["remaining_quantity"]) == 120 - 30  # the cream is gone


def test_return_to_stock_puts_the_quantity_back(app, rph, gabapentin):
    reversed_ = rph.post(f"/api/v1/dispenses/{gabapentin['id']}/reverse",
                         json={"reason": "never picked up", "disposition": "return_to_stock"})
    assert reversed_.status_code == 200
    assert reversed_.json["disposition"] == "return_to_stock"
    with app.app_context():
        assert movements(gabapentin["lot"])[-2:] == [
            ("dispense", -90, "dispense", gabapentin["id"]),
            ("return_to_stock", 90, "dispense", gabapentin["id"])]
        assert services.get_lot(gabapentin["lot"]).on_hand == 1000
        assert open_destructions() == []


def test_destroy_opens_a_destruction_to_be_witnessed(app, rph, gabapentin):
    reversed_ = rph.post(f"/api/v1/dispenses/{gabapentin['id']}/reverse",
                         json={"reason": "bottle dropped and cracked", "disposition": "destroy"})
    assert reversed_.status_code == 200
    assert reversed_.json["disposition"] == "destroy"
    with app.app_context():
        [pending] = open_destructions()
        assert (pending.lot_id, pending.quantity, pending.source_type, pending.source_id) == (
            gabapentin["lot"], 90, "dispense", gabapentin["id"])
        assert "bottle dropped and cracked" in pending.reason
        # back on the books, counted but held: only the 910 others may be drawn
        assert services.get_lot(gabapentin["lot"]).on_hand == 1000
        with pytest.raises(Conflict) as held:
            services.draw(None, gabapentin["lot"], Decimal(911), "dispense",
                          source=("dispense", 0))
        assert held.value.code == "insufficient_inventory"


def test_reversing_a_controlled_fill_locks_its_lot_before_the_dispense(ctx, counter):
    from lienrx.core import locks
    from lienrx.dispensing import services as dispensing
    from tests import factories

    rph = factories.user("pharmacist")
    fill = dispensing.dispense(rph, dispensing.DispenseRequest(**{
        **gabapentin_fill(counter), "quantity": Decimal(90)}))
    assert locks.taken() == ["cases", "prescriptions", "inventory_lots"]
    db.session.commit()
    with ctx.test_request_context("/api/v1/dispenses/1/reverse", method="POST"):
        dispensing.reverse(rph, fill.id, "entered in error", "return_to_stock")
        assert locks.taken() == ["cases", "prescriptions", "inventory_lots", "dispenses"]
    db.session.rollback()


def test_the_reverse_form_asks_a_controlled_fill_for_its_disposition(staff, gabapentin):
    rph = staff("pharmacist")
    path = f"/staff/dispenses/{gabapentin['id']}"
    assert 'name="disposition"' in rph.get(path).get_data(as_text=True)
    refused = rph.post(f"{path}/reverse", data={"reason": "never picked up"})
    assert refused.status_code == 422
    assert "Disposition: Schedule V: say whether the fill returns to stock" in text(refused)
    done = confirmed(rph, f"{path}/reverse", {"reason": "never picked up",
                                              "disposition": "destroy"})
    assert done.status_code == 302
    assert "Stock set aside to be destroyed before witnesses" in text(rph.get(path))


# --- verify ------------------------------------------------------------------------------


def test_inventory_verify_passes_with_batches_fills_and_reversals(app, rph, runner, gabapentin):
    assert rph.post(f"/api/v1/dispenses/{gabapentin['id']}/reverse", json={
        "reason": "x", "disposition": "destroy"}).status_code == 200
    result = runner.invoke(args=["inventory", "verify"])
    assert result.exit_code == 0, result.output
    assert "every controlled batch, dispense and reversal has its movements" in result.output


def test_inventory_verify_finds_a_controlled_dispense_without_its_movement(
        app, rph, runner, counter, monkeypatch):
    with monkeypatch.context() as broken:  # a fill posted by code that forgot the draw
        broken.setattr(services, "draw", lambda *args, **kwargs: None)
        fill = rph.post("/api/v1/dispenses", json=gabapentin_fill(counter)).json
    result = runner.invoke(args=["inventory", "verify"])
    assert result.exit_code == 1
    assert (f"dispense {fill['id']} (RX{counter.gabapentin_rx:07d} fill 1): no dispense "
            f"movement of lot {gabapentin_lot(app)} records it") in result.output


def test_inventory_verify_finds_a_reversal_without_its_return(app, rph, runner, gabapentin,
                                                              monkeypatch):
    with monkeypatch.context() as broken:
        broken.setattr(services, "return_to_stock", lambda *args, **kwargs: None)
        rph.post(f"/api/v1/dispenses/{gabapentin['id']}/reverse",
                 json={"reason": "x", "disposition": "return_to_stock"})
    result = runner.invoke(args=["inventory", "verify"])
    assert result.exit_code == 1
    assert f"reversal of dispense {gabapentin['id']}" in result.output
    assert "no return_to_stock movement" in result.output


def test_inventory_verify_finds_a_batch_whose_ingredient_was_not_drawn(app, runner, seeded,
                                                                       tech, monkeypatch):
    with app.app_context():
        body = batch("KET-CRM-10", seeded["KET-CRM-10"])
        receive_lot(KETAMINE, "L0000", 50)
        db.session.commit()
    with monkeypatch.context() as broken:
        broken.setattr(services, "draw", lambda *args, **kwargs: None)
        made = tech.post("/api/v1/compounding-records", json=body).json
    result = runner.invoke(args=["inventory", "verify"])
    assert result.exit_code == 1
    assert (f"compounding record {made['id']} ({made['lot_number']}), {KETAMINE} lot L0000: "
            "no compounding_use movement") in result.output


def test_the_batch_page_shows_an_unreceived_ketamine_lot_beside_its_lot_number(app, staff,
                                                                             seeded):
    from tests.staff.test_intake_pages import error_of

    with app.app_context():
        body = batch("KET-CRM-10", seeded["KET-CRM-10"])
    data = {"product_id": body["product_id"], "quantity": "100", "action": "save",
            **{f"qc_results.{name}": str(value) for name, value in body["qc_results"].items()}}
    for n, lot in enumerate(body["ingredients"]):
        data.update({f"ingredients.{n}.{part}": str(value) for part, value in lot.items()
                     if part != "vendor"})
    r = staff("technician").post("/staff/batches/new", data=data)
    assert r.status_code == 422
    assert "must be received into the inventory" in error_of(r, "ingredients-0-lot_number")
