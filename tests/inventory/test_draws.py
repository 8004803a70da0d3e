"""The services compounding and dispensing call: draw, return to stock, set aside for
destruction, and the lot lookups by component or NDC and lot number."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lienrx.auth.models import User
from lienrx.core import locks
from lienrx.core.errors import Conflict, NotFound, ValidationFailed
from lienrx.extensions import db
from lienrx.inventory import services
from tests.inventory.conftest import KETAMINE, receive

BATCH = ("compounding_record", 41)
FILL = ("dispense", 7)


@pytest.fixture
def rph(ctx, stock):
    return db.session.get(User, stock["pharmacist_id"])


@pytest.mark.parametrize("kind", ["compounding_use", "dispense"])
def test_a_draw_takes_stock_for_its_source(rph, stock, kind):
    movement = services.draw(rph, stock["lot_id"], Decimal("10.5"), kind, source=BATCH)
    db.session.commit()
    assert movement.quantity == Decimal("-10.5") and movement.source == {
        "type": "compounding_record", "id": 41}
    assert services.get_lot(stock["lot_id"]).on_hand == Decimal("89.5")


def test_a_draw_beyond_on_hand_is_refused_and_posts_nothing(rph, stock):
    with pytest.raises(Conflict) as refused:
        services.draw(rph, stock["lot_id"], Decimal("100.001"), "dispense", source=FILL)
    assert refused.value.code == "insufficient_inventory"
    assert refused.value.extra == {"lot_id": stock["lot_id"], "available": "100"}
    db.session.rollback()
    assert services.get_lot(stock["lot_id"]).on_hand == 100


def test_a_draw_locks_the_lot_in_its_place_in_the_lock_order(rph, stock):
    services.draw(rph, stock["lot_id"], Decimal(1), "dispense", source=FILL)
    assert locks.taken() == ["inventory_lots"]
    assert locks.RANK["compounding_records"] < locks.RANK["inventory_lots"] \
        < locks.RANK["dispenses"]


def test_a_draw_of_an_unknown_lot_is_not_found(rph, stock):
    with pytest.raises(NotFound):
        services.draw(rph, 999, Decimal(1), "dispense", source=FILL)


def test_return_to_stock_puts_back_what_the_source_drew(rph, stock):
    services.draw(rph, stock["lot_id"], Decimal(30), "dispense", source=FILL)
    back = services.return_to_stock(rph, stock["lot_id"], Decimal(30), source=FILL,
                                    reason="reversed: never left the pharmacy")
    db.session.commit()
    assert back.kind == "return_to_stock" and back.quantity == 30
    assert services.get_lot(stock["lot_id"]).on_hand == 100


def test_a_return_beyond_what_the_source_drew_is_refused(rph, stock):
    services.draw(rph, stock["lot_id"], Decimal(30), "dispense", source=FILL)
    services.return_to_stock(rph, stock["lot_id"], Decimal(20), source=FILL)
    with pytest.raises(Conflict) as refused:
        services.return_to_stock(rph, stock["lot_id"], Decimal(11), source=FILL)
    assert refused.value.code == "return_exceeds_draw"


def test_a_destroyed_reversal_comes_back_held_until_its_witnessed_destruction(rph, stock):
    services.draw(rph, stock["lot_id"], Decimal(95), "dispense", source=FILL)
    pending = services.open_destruction(rph, stock["lot_id"], Decimal(95), source=FILL,
                                        reason="dispense 7 reversed: to be destroyed")
    db.session.commit()
    assert pending.status == "open" and services.get_lot(stock["lot_id"]).on_hand == 100
    with pytest.raises(Conflict) as held:  # on hand, but not for drawing
        services.draw(rph, stock["lot_id"], Decimal(6), "compounding_use", source=BATCH)
    assert held.value.code == "insufficient_inventory"
    db.session.rollback()
    services.record_movement(rph, lot_id=stock["lot_id"], kind="destruction",
                             quantity=Decimal(95), reason="reversed dispense",
                             method="Reverse distributor", witnesses=["A B", "C D"],
                             destruction_id=pending.id)
    assert services.get_lot(stock["lot_id"]).on_hand == 5


def test_setting_aside_more_than_is_available_is_refused(rph, stock):
    with pytest.raises(Conflict) as refused:
        services.open_destruction(rph, stock["lot_id"], Decimal(101), reason="expired")
    assert refused.value.code == "insufficient_inventory"


def test_lot_lookups_find_the_received_lot_by_component_or_ndc(rph, stock):
    lot = services.get_lot(stock["lot_id"])
    assert services.lot_for_component(KETAMINE, "K-001") is lot
    assert services.lot_for_ndc("62991-1087-2", " K-001") is lot
    assert services.lot_for_ndc("62991108702", "K-001") is lot
    assert services.lot_for_component(KETAMINE, "NOPE") is None
    assert services.lot_for_ndc("62991-1087-2", "NOPE") is None
    with pytest.raises(ValidationFailed) as bad:
        services.lot_for_ndc("12345", "K-001")
    assert set(bad.value.errors) == {"ndc"}


def test_two_suppliers_lots_of_one_number_need_the_ndc(rph, stock):
    other = receive(rph, ndc="60592-401-10")  # another labeler's bulk ketamine, same lot no.
    with pytest.raises(ValidationFailed) as ambiguous:
        services.lot_for_component(KETAMINE, "K-001")
    assert set(ambiguous.value.errors) == {"lot_number"}
    assert services.lot_for_component(KETAMINE, "K-001", ndc="60592-401-10") is other
