"""Idempotency-Key on POST /dispenses (API.md conventions)."""

import pytest

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
