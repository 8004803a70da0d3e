"""SPEC §5: two pharmacists dispensing the last fill at once → exactly one succeeds.

Each request runs on its own thread with its own database connection; on PostgreSQL the
prescription and batch row locks decide, on SQLite the write lock does.
"""

import threading

import pytest

from lienrx.dispensing.models import Dispense
from lienrx.extensions import db
from lienrx.ledger.models import JournalEntry
from lienrx.prescribing.models import Prescription
from tests.dispensing.conftest import cream_fill


def race(app, tokens, body, rounds=1):
    """Fire one POST per token at the same instant; return the status codes."""
    barrier = threading.Barrier(len(tokens))
    statuses = []
    lock = threading.Lock()

    def fire(token):
        client = app.test_client()
        barrier.wait()
        response = client.post("/api/v1/dispenses", json=body,
                               headers={"Authorization": f"Bearer {token}"})
        with lock:
            statuses.append((response.status_code, (response.json or {}).get("code")))

    threads = [threading.Thread(target=fire, args=(t,)) for t in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return sorted(statuses)


@pytest.mark.parametrize("contenders", [2, 4])
def test_last_remaining_fill_goes_to_exactly_one_pharmacist(app, api_as, counter, contenders):
    # Ketamine is controlled: one fill at a time. The original fill and refill 1 go out,
    # then the pharmacists race for refill 2, the last.
    body = cream_fill(counter, override_refill_too_soon={"reason": "race test"})
    rph = api_as("pharmacist")
    for _ in range(2):
        assert rph.post("/api/v1/dispenses", json=body).status_code == 201
    tokens = [api_as("pharmacist").token for _ in range(contenders)]
    statuses = race(app, tokens, body)
    assert statuses[0] == (201, None)
    assert statuses[1:] == [(409, "refills_exhausted")] * (contenders - 1)
    with app.app_context():
        assert db.session.query(Dispense).count() == 3
        assert db.session.query(JournalEntry).count() == 3


@pytest.mark.postgres_only
def test_batch_row_lock_stops_two_prescriptions_overdrawing_one_batch(app, api_as, counter):
    """Two prescriptions share a 120 g batch; two 90 g fills cannot both take from it."""
    from lienrx.dur import services as dur
    from tests.formulary.factories import prescription

    with app.app_context():
        first, second = (prescription(counter.case_id, counter.prescriber_id, "KET-CRM-10",
                                      quantity=90, days_supply=30, refills_authorized=0)
                         for _ in range(2))
        for rx_id in (counter.cream_rx, first.id, second.id):  # topical: no duplicate therapy
            assert dur.unresolved_high(dur.evaluate(db.session.get(Prescription, rx_id),
                                                    None)) == []
        db.session.commit()
        first_id, second_id = first.id, second.id
    tokens = [api_as("pharmacist").token, api_as("pharmacist").token]
    barrier = threading.Barrier(2)
    results = []

    def fire(token, rx_id):
        client = app.test_client()
        barrier.wait()
        response = client.post("/api/v1/dispenses", json=cream_fill(
            counter, prescription_id=rx_id, quantity=90, dur_resolutions=[],
            override_refill_too_soon={"reason": "the same patient's supply: timing waived"}),
            headers={"Authorization": f"Bearer {token}"})
        results.append(response)

    threads = [threading.Thread(target=fire, args=(tokens[0], first_id)),
               threading.Thread(target=fire, args=(tokens[1], second_id))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    outcomes = sorted((r.status_code, sorted(r.json.get("errors", {}))) for r in results)
    assert outcomes == [(201, []), (422, ["quantity"])], [r.json for r in results]
    with app.app_context():
        assert sum(d.quantity for d in db.session.query(Dispense)) == 90
