"""Dispenses and reversals racing on one prescription: never a 5xx, the books stay true.

Every path takes its row locks in one order (``lienrx.core.locks``), so a dispense and a
reversal queue behind each other instead of deadlocking; a transaction that still loses a
deadlock or serialization race is retried by the unit of work. Each request runs on its own
thread with its own database connection, as under a real multi-worker server.

``LIENRX_RACE_ROUNDS`` sets the rounds (default 5); the summary line is printed with ``-s``.
"""

from __future__ import annotations

import os
import threading
from collections import Counter as Tally
from decimal import Decimal

import psycopg
import sqlalchemy as sa

from lienrx.audit.models import AuditEvent
from lienrx.audit.services import verify_chain
from lienrx.compounding.models import CompoundingRecord
from lienrx.core.idempotency import IdempotencyKey
from lienrx.dispensing.models import Dispense
from lienrx.extensions import db
from lienrx.ledger import services as ledger
from lienrx.ledger.invariants import check_ledger
from lienrx.ledger.models import JournalEntry
from lienrx.prescribing.models import Prescription
from tests.dispensing.conftest import cream_fill

ROUNDS = int(os.environ.get("LIENRX_RACE_ROUNDS", "5"))
EACH = 6  # dispenses and reversals per round
QUANTITY = 5  # grams per dispense: partials of the cream's 30 g fills (90 g in all)


def fill_body(counter):
    return cream_fill(counter, quantity=QUANTITY,
                      override_refill_too_soon={"reason": "race test: fills on one day"})


def fire_at_once(app, requests):
    """Send every (token, path, body) at the same instant, each on its own thread."""
    barrier = threading.Barrier(len(requests))
    answers: list[tuple[str, int, dict]] = []
    lock = threading.Lock()

    def fire(token, path, body):
        client = app.test_client()
        barrier.wait()
        response = client.post(path, json=body, headers={"Authorization": f"Bearer {token}"})
        with lock:
            answers.append((path, response.status_code, response.json or {}))

    threads = [threading.Thread(target=fire, args=request) for request in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(answers) == len(requests), "a request hung"
    return answers


def assert_books_hold(app, counter):
    """Quantity remaining = authorised − dispensed + reversed, for the Rx and the batch;
    the ledger's invariants and the audit chain hold."""
    with app.app_context():
        standing = db.session.execute(
            sa.select(sa.func.coalesce(sa.func.sum(Dispense.quantity), 0))
            .where(Dispense.prescription_id == counter.cream_rx,
                   Dispense.status == "dispensed")).scalar_one()
        prescription = db.session.get(Prescription, counter.cream_rx)
        batch = db.session.get(CompoundingRecord, counter.batch_id)
        assert Decimal(prescription.quantity_dispensed) == Decimal(standing)
        assert Decimal(batch.remaining_quantity) == Decimal(batch.quantity) - Decimal(standing)
        checked, problems = check_ledger()
        assert problems == [] and checked > 0
        _, broken = verify_chain()
        assert broken is None
        db.session.remove()


def standing_partials(app, counter):
    """Standing dispenses that did not start their fill: reversible in any order (the one
    that started a fill carries its fees and waits for its later partials, SPEC §7.2)."""
    with app.app_context():
        found = list(db.session.execute(
            sa.select(Dispense.id).where(Dispense.prescription_id == counter.cream_rx,
                                         Dispense.status == "dispensed",
                                         Dispense.starts_fill.is_(False))).scalars())
        db.session.remove()
        return found


def test_dispenses_and_reversals_at_once_never_answer_5xx_and_keep_the_books(
        app, api_as, counter):
    tokens = [api_as("pharmacist").token for _ in range(2 * EACH)]
    for _ in range(EACH):
        response = app.test_client().post("/api/v1/dispenses", json=fill_body(counter),
                                          headers={"Authorization": f"Bearer {tokens[0]}"})
        assert response.status_code == 201, response.json
    tally: Tally[int] = Tally()
    refused = []
    for round_number in range(ROUNDS):
        standing = standing_partials(app, counter)
        requests = [(tokens[i], "/api/v1/dispenses", fill_body(counter)) for i in range(EACH)]
        requests += [(tokens[EACH + i % EACH], f"/api/v1/dispenses/{dispense_id}/reverse",
                      {"reason": f"race round {round_number}",
                       "disposition": "return_to_stock"})
                     for i, dispense_id in enumerate(standing)]
        answers = fire_at_once(app, requests)
        tally.update(status for _, status, _ in answers)
        refused += [answer for answer in answers if answer[1] not in (200, 201)]
        assert_books_hold(app, counter)  # a 500 rolls back: the books hold even then
    fives = sum(n for status, n in tally.items() if status >= 500)
    print(f"\nrace: {ROUNDS} rounds of {EACH} dispenses + {EACH} reversals at once: "
          f"{dict(sorted(tally.items()))}, 5xx={fives}")
    assert fives == 0, refused
    assert refused == []  # every dispense and every reversal went through, in some order


def test_a_dispense_that_lost_a_deadlock_is_run_again_once_with_one_claim_and_one_audit_event(
        app, api_as, counter, monkeypatch):
    """The rollback of the lost run takes its idempotency claim, ledger entry and audit event
    with it; the replay of the key answers the second run's dispense."""
    real_post_entry = ledger.post_entry
    failures = [sa.exc.OperationalError("INSERT INTO journal_entries …", {},
                                        psycopg.errors.DeadlockDetected("deadlock detected"))]

    def post_entry_losing_once(**kwargs):
        entry = real_post_entry(**kwargs)
        if failures:
            raise failures.pop()
        return entry

    monkeypatch.setattr(ledger, "post_entry", post_entry_losing_once)
    rph = api_as("pharmacist")
    headers = {"Idempotency-Key": "fill-after-deadlock"}
    first = rph.post("/api/v1/dispenses", json=fill_body(counter), headers=headers)
    assert first.status_code == 201 and failures == []
    replay = rph.post("/api/v1/dispenses", json=fill_body(counter), headers=headers)
    assert replay.status_code == 201 and replay.json["id"] == first.json["id"]
    with app.app_context():
        assert db.session.query(Dispense).count() == 1
        assert db.session.query(JournalEntry).count() == 1
        assert db.session.query(IdempotencyKey).count() == 1
        created = db.session.execute(sa.select(AuditEvent.entity_id).where(
            AuditEvent.action == "dispense.created")).scalars().all()
        assert created == [str(first.json["id"])]
        db.session.remove()
    assert_books_hold(app, counter)
