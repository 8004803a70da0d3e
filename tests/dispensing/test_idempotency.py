"""Idempotency-Key on POST /dispenses (API.md conventions)."""

import threading
import time

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from lienrx.core import idempotency
from lienrx.dispensing.models import Dispense
from lienrx.extensions import db
from lienrx.ledger.models import JournalEntry
from tests.dispensing.conftest import gabapentin_fill


@pytest.fixture
def rph(api_as):
    return api_as("pharmacist")


def test_replay_returns_the_first_response_and_posts_nothing(rph, app, counter):
    headers = {"Idempotency-Key": "fill-7f3a"}
    first = rph.post("/api/v1/dispenses", json=gabapentin_fill(counter), headers=headers)
    replay = rph.post("/api/v1/dispenses", json=gabapentin_fill(counter), headers=headers)
    assert first.status_code == replay.status_code == 201
    assert replay.json == first.json
    assert replay.headers["Idempotent-Replayed"] == "true"
    with app.app_context():
        assert db.session.query(Dispense).count() == 1
        assert db.session.query(JournalEntry).count() == 1


def test_same_key_same_body_in_another_key_order_is_a_replay(rph, counter):
    headers = {"Idempotency-Key": "fill-order"}
    body = gabapentin_fill(counter)
    first = rph.post("/api/v1/dispenses", json=body, headers=headers)
    reordered = dict(reversed(list(body.items())))
    assert rph.post("/api/v1/dispenses", json=reordered, headers=headers).json["id"] == (
        first.json["id"])


def test_idempotency_key_reused_with_another_body_409(rph, counter):
    headers = {"Idempotency-Key": "fill-reuse"}
    rph.post("/api/v1/dispenses", json=gabapentin_fill(counter), headers=headers)
    response = rph.post("/api/v1/dispenses", json=gabapentin_fill(counter, quantity=60),
                        headers=headers)
    assert response.status_code == 409
    assert response.json["code"] == "idempotency_key_reused"


def test_refused_request_may_be_retried_corrected_under_the_same_key(rph, counter):
    headers = {"Idempotency-Key": "fill-retry"}
    refused = rph.post("/api/v1/dispenses", json=gabapentin_fill(counter, quantity=999),
                       headers=headers)
    assert refused.status_code == 409
    corrected = rph.post("/api/v1/dispenses", json=gabapentin_fill(counter), headers=headers)
    assert corrected.status_code == 201


def test_keys_belong_to_their_user(rph, api_as, counter):
    headers = {"Idempotency-Key": "shared-key"}
    first = rph.post("/api/v1/dispenses", json=gabapentin_fill(counter, quantity=45),
                     headers=headers)
    other = api_as("pharmacist").post(
        "/api/v1/dispenses", json=gabapentin_fill(
            counter, quantity=45, override_refill_too_soon={"reason": "split fill"}),
        headers=headers)
    assert other.status_code == 201 and other.json["id"] != first.json["id"]


def test_overlong_key_400(rph, counter):
    response = rph.post("/api/v1/dispenses", json=gabapentin_fill(counter),
                        headers={"Idempotency-Key": "k" * 201})
    assert response.status_code == 400


def _request_hash(app, body):
    """The identity the server gives a POST /dispenses with this body."""
    with app.test_request_context("/api/v1/dispenses", method="POST", json=body):
        return idempotency._request_hash()


def _twin_claim(session, user_id, key, request_hash):
    """What a twin request writes first: its claim on the key, with no response yet."""
    session.add(idempotency.IdempotencyKey(user_id=user_id, key=key, request_hash=request_hash))
    session.flush()


def test_idempotency_key_in_progress_while_the_twin_has_no_response(rph, app, counter):
    body, key = gabapentin_fill(counter), "fill-in-flight"
    with app.app_context(), Session(db.engine) as twin:  # the twin's own connection
        _twin_claim(twin, rph.user_id, key, _request_hash(app, body))
        twin.commit()
    response = rph.post("/api/v1/dispenses", json=body, headers={"Idempotency-Key": key})
    assert response.status_code == 409
    assert response.json["code"] == "idempotency_key_in_progress"
    other = rph.post("/api/v1/dispenses", json=gabapentin_fill(counter, quantity=60),
                     headers={"Idempotency-Key": key})
    assert other.json["code"] == "idempotency_key_reused"
    with app.app_context():  # nothing posted, and the twin's claim is left alone
        assert db.session.query(Dispense).count() == 0
        assert db.session.query(JournalEntry).count() == 0
        claim = db.session.execute(sa.select(idempotency.IdempotencyKey)).scalar_one()
        assert claim.response_status is None


def _post_in_thread(app, token, body, key):
    result = {}

    def fire():
        response = app.test_client().post(
            "/api/v1/dispenses", json=body,
            headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key})
        result["status"], result["json"] = response.status_code, response.json

    thread = threading.Thread(target=fire)
    thread.start()
    return thread, result


def _waits_on_a_lock(app, timeout=10.0):
    """Whether some other PostgreSQL backend is waiting on a lock (our request)."""
    deadline = time.monotonic() + timeout
    with app.app_context(), db.engine.connect() as watcher:
        while time.monotonic() < deadline:
            waiting = watcher.execute(sa.text(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND datname = current_database()")).scalar_one()
            if waiting:
                return True
            watcher.rollback()
            time.sleep(0.05)
    return False


@pytest.mark.postgres_only
@pytest.mark.parametrize("twin_ends", ["commits_its_claim", "rolls_back"])
def test_idempotency_key_in_progress_against_a_concurrent_twin(rph, app, counter, twin_ends):
    """A twin on another connection holds the key, uncommitted; the request waits on the
    unique index. A claim committed without its response is in progress (409); a twin that
    rolls back leaves the key free and the request does the work."""
    body, key = gabapentin_fill(counter), "fill-twin"
    with app.app_context(), Session(db.engine) as twin:
        _twin_claim(twin, rph.user_id, key, _request_hash(app, body))
        thread, result = _post_in_thread(app, rph.token, body, key)
        try:
            assert _waits_on_a_lock(app), "the request did not wait for the twin's claim"
        finally:
            twin.commit() if twin_ends == "commits_its_claim" else twin.rollback()
            thread.join(timeout=60)
    assert not thread.is_alive()
    with app.app_context():
        dispenses = db.session.query(Dispense).count()
    if twin_ends == "commits_its_claim":
        assert (result["status"], result["json"]["code"]) == (409,
                                                             "idempotency_key_in_progress")
        assert dispenses == 0
    else:
        assert result["status"] == 201, result["json"]
        assert dispenses == 1
