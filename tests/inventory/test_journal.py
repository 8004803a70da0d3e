"""SPEC §7.5: on hand is the sum of an append-only journal and never negative — under a race
for the last grams, after any sequence of movements, and as `lienrx inventory verify` checks."""

from __future__ import annotations

import itertools
import threading
from decimal import Decimal

import psycopg
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.exc import DBAPIError

from lienrx.auth.models import User
from lienrx.core import clock
from lienrx.core.errors import Conflict
from lienrx.extensions import db
from lienrx.inventory import services
from lienrx.inventory.invariants import Drawn, check_inventory
from lienrx.inventory.models import InventoryLot, InventoryMovement
from lienrx.inventory.queries import open_destructions
from tests import factories
from tests.formulary.factories import load_products
from tests.inventory.conftest import receive


@pytest.mark.parametrize("statement", [
    "UPDATE inventory_movements SET quantity = 1000",
    "DELETE FROM inventory_movements",
    "UPDATE inventory_counts SET business_hours = 'opening'",
    "DELETE FROM inventory_count_lines"])
def test_the_journal_and_counts_are_append_only_in_the_database(ctx, stock, statement):
    rph = db.session.get(User, stock["pharmacist_id"])
    services.record_count(rph, kind="periodic", counted_at=clock.utcnow(),
                          business_hours="closing",
                          lines=[{"lot_id": stock["lot_id"], "counted_quantity": Decimal(99)}])
    db.session.commit()
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(sa.text(statement))
    db.session.rollback()
    assert services.get_lot(stock["lot_id"]).on_hand == 99


@pytest.mark.postgres_only
def test_postgresql_refuses_update_and_delete_of_the_journal_on_a_raw_connection(app, stock):
    """Not through the ORM: a plain psycopg connection, as a careless script would use."""
    with app.app_context():
        dsn = db.engine.url.render_as_string(hide_password=False).replace(
            "postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn) as conn:
        for statement in ("UPDATE inventory_movements SET quantity = quantity * 2",
                          "DELETE FROM inventory_movements",
                          "TRUNCATE inventory_movements CASCADE"):
            with pytest.raises(psycopg.errors.RestrictViolation, match="append-only"):
                conn.execute(statement)
            conn.rollback()


@pytest.mark.postgres_only
def test_two_connections_drawing_the_last_grams_exactly_one_wins(app, stock):
    """Two transactions each draw 60 of the lot's 100 g at once; the lot's row lock makes
    the second see what the first left, and refuse."""
    barrier, outcomes, guard = threading.Barrier(2), [], threading.Lock()

    def draw(source_id):
        with app.app_context():
            barrier.wait()
            try:
                services.draw(None, stock["lot_id"], Decimal(60), "compounding_use",
                              source=("compounding_record", source_id))
                db.session.commit()
                outcome = "drawn"
            except Conflict as refused:
                db.session.rollback()
                outcome = refused.code
            with guard:
                outcomes.append(outcome)

    threads = [threading.Thread(target=draw, args=(n,)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["drawn", "insufficient_inventory"]
    with app.app_context():
        assert db.session.get(InventoryLot, stock["lot_id"]).on_hand == 40
        assert check_inventory() == (1, [])


def test_two_pharmacists_wasting_the_last_grams_at_once_exactly_one_wins(app, api_as, stock):
    """The same race through the API, on either database (SQLite's write lock decides)."""
    tokens = [api_as("pharmacist").token for _ in range(2)]
    barrier, statuses, guard = threading.Barrier(2), [], threading.Lock()

    def waste(token):
        client = app.test_client()
        barrier.wait()
        response = client.post("/api/v1/inventory/movements", json={
            "lot_id": stock["lot_id"], "kind": "waste", "quantity": 60, "reason": "spill",
            "witnesses": ["Pat Ray"]}, headers={"Authorization": f"Bearer {token}"})
        with guard:
            statuses.append((response.status_code, (response.json or {}).get("code")))

    threads = [threading.Thread(target=waste, args=(t,)) for t in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [(201, None), (409, "insufficient_inventory")]
    with app.app_context():
        assert db.session.get(InventoryLot, stock["lot_id"]).on_hand == 40


def test_inventory_verify_passes_on_a_consistent_journal(runner, stock):
    result = runner.invoke(args=["inventory", "verify"])
    assert result.exit_code == 0, result.output
    assert "inventory verified: 1 lots" in result.output


def test_inventory_verify_names_a_lot_whose_on_hand_disagrees(ctx, runner, stock):
    db.session.execute(sa.text("UPDATE inventory_lots SET on_hand = 101 WHERE id = :id"),
                       {"id": stock["lot_id"]})
    db.session.commit()
    db.session.remove()
    result = runner.invoke(args=["inventory", "verify"])
    assert result.exit_code == 1
    assert f"lot {stock['lot_id']} (K-001) shows 101.000 on hand; its movements sum to " \
           "100.000" in result.output


def test_verify_checks_each_record_that_says_it_drew_stock(ctx, stock):
    services.draw(None, stock["lot_id"], Decimal(10), "compounding_use",
                  source=("compounding_record", 3))
    db.session.commit()
    batch = ("compounding_record", 3)
    agreed = Drawn("batch 3", stock["lot_id"], "compounding_use", batch, Decimal(10))
    short = Drawn("batch 3", stock["lot_id"], "compounding_use", batch, Decimal(12))
    missing = Drawn("dispense 9", stock["lot_id"], "dispense", ("dispense", 9), Decimal(1))
    assert check_inventory([agreed]) == (1, [])
    assert check_inventory([short, missing])[1] == [
        f"batch 3: its compounding_use movements take 10.000 of lot {stock['lot_id']}; "
        "the record says 12",
        f"dispense 9: no dispense movement of lot {stock['lot_id']} records it"]


QUANTITY = st.decimals(min_value=Decimal("0.001"), max_value=Decimal(80), places=3)
OPERATION = st.one_of(
    st.tuples(st.just("receive"), st.integers(0, 1), QUANTITY),
    st.tuples(st.sampled_from(["compounding_use", "dispense"]), st.integers(0, 1), QUANTITY),
    st.tuples(st.just("return"), st.integers(0, 1), QUANTITY),
    st.tuples(st.just("waste"), st.integers(0, 1), QUANTITY),
    st.tuples(st.just("count"), st.integers(0, 1), st.decimals(
        min_value=Decimal(0), max_value=Decimal(150), places=3)),
    st.tuples(st.just("set_aside"), st.integers(0, 1), QUANTITY),
    st.tuples(st.just("destroy"), st.integers(0, 1), QUANTITY),
)
_lots = itertools.count(1)


def _apply(rph, lots, sources, operation):
    kind, which, quantity = operation
    lot_id = lots[which]
    if kind == "receive":
        receive(rph, lot_number=f"P-{lot_id}", quantity=quantity)
    elif kind in ("compounding_use", "dispense"):
        source = (kind, next(_lots))
        services.draw(rph, lot_id, quantity, kind, source=source)
        sources.append((lot_id, source))
    elif kind == "return" and sources:
        drawn_lot, source = sources[int(quantity) % len(sources)]
        services.return_to_stock(rph, drawn_lot, quantity, source=source)
    elif kind == "waste":
        services.record_movement(rph, lot_id=lot_id, kind="waste", quantity=quantity,
                                 reason="property", witnesses=["A"])
    elif kind == "count":
        services.record_count(rph, kind="periodic", counted_at=clock.utcnow(),
                              business_hours="closing",
                              lines=[{"lot_id": lot_id, "counted_quantity": quantity}])
    elif kind == "set_aside":
        services.open_destruction(rph, lot_id, quantity, reason="property")
    elif kind == "destroy":
        pending = [d for d in open_destructions() if d.lot_id == lot_id]
        if pending:
            services.record_movement(rph, lot_id=lot_id, kind="destruction",
                                     quantity=Decimal(pending[0].quantity), reason="property",
                                     method="incineration", witnesses=["A", "B"],
                                     destruction_id=pending[0].id)


@settings(max_examples=30, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(operations=st.lists(OPERATION, max_size=14))
def test_any_sequence_of_movements_keeps_on_hand_the_sum_of_the_journal(app, operations):
    with app.app_context():
        load_products("KET-CRM-10")
        rph = factories.user("pharmacist")
        lots = [receive(rph, lot_number=f"P-{next(_lots)}").id for _ in range(2)]
        db.session.commit()
        sources: list = []
        for operation in operations:
            try:
                with db.session.begin_nested():
                    _apply(rph, lots, sources, operation)
            except Conflict as refused:  # a refusal posts nothing
                assert refused.code in ("insufficient_inventory", "return_exceeds_draw")
            db.session.commit()
        for lot_id in lots:
            lot = db.session.get(InventoryLot, lot_id)
            journal = db.session.execute(
                sa.select(sa.func.sum(InventoryMovement.quantity))
                .where(InventoryMovement.lot_id == lot_id)).scalar_one()
            assert lot.on_hand == journal >= 0
        assert check_inventory()[1] == []
