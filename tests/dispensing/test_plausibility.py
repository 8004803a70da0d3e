"""Plausibility as data (SPEC §7.2): per-product fill limits, whole units, and the BUD."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from lienrx.core import clock
from lienrx.dispensing.models import Dispense
from lienrx.extensions import db
from lienrx.ledger.models import JournalEntry
from tests.dispensing.conftest import cream_fill, gabapentin_fill


@pytest.fixture
def rph(api_as):
    return api_as("pharmacist", name="Pat Pharmacist, PharmD")


def test_quantity_above_max_quantity_per_fill_is_422(rph, counter):
    # Gabapentin 300 mg: 3600 mg/day ÷ 300 mg × 90 days = 1080 capsules at most.
    response = rph.post("/api/v1/dispenses", json=gabapentin_fill(counter, quantity=1081))
    assert response.status_code == 422
    assert "1080" in response.json["errors"]["quantity"][0]


def test_days_supply_above_max_days_supply_is_422(rph, counter):
    response = rph.post("/api/v1/dispenses", json=gabapentin_fill(counter, days_supply=91))
    assert response.status_code == 422
    assert "90 days" in response.json["errors"]["days_supply"][0]


def test_each_products_take_whole_numbers_422(rph, counter):
    response = rph.post("/api/v1/dispenses", json=gabapentin_fill(counter, quantity=89.5))
    assert response.status_code == 422
    assert "whole" in response.json["errors"]["quantity"][0]


def test_days_supply_past_the_batch_bud_is_409_days_supply_exceeds_bud(rph, counter):
    # The cream's batch (aqueous, preserved) has a 35-day BUD: 30 days later, 5 remain.
    clock.freeze(clock.utcnow() + timedelta(days=30))
    response = rph.post("/api/v1/dispenses", json=cream_fill(counter))
    assert response.status_code == 409
    assert response.json["code"] == "days_supply_exceeds_bud"
    assert "beyond_use_date" in response.json
    # A supply that ends by the BUD goes out.
    assert rph.post("/api/v1/dispenses",
                    json=cream_fill(counter, quantity=5, days_supply=5)).status_code == 201


def test_bud_override_with_a_reason_dispenses_and_is_recorded(app, rph, counter):
    clock.freeze(clock.utcnow() + timedelta(days=30))
    reason = "Patient told to discard the rest on the BUD; next batch compounded then"
    response = rph.post("/api/v1/dispenses",
                        json=cream_fill(counter, bud_override={"reason": reason}))
    assert response.status_code == 201
    assert response.json["bud_override_reason"] == reason
    with app.app_context():
        assert db.session.get(Dispense, response.json["id"]).bud_override_reason == reason


def test_bud_override_is_not_recorded_when_the_supply_ends_by_the_bud(rph, counter):
    response = rph.post("/api/v1/dispenses",
                        json=cream_fill(counter, bud_override={"reason": "Not needed"}))
    assert response.status_code == 201
    assert response.json["bud_override_reason"] is None


def test_huge_fill_is_refused_and_posts_nothing(app, rph, counter):
    response = rph.post("/api/v1/dispenses",
                        json=gabapentin_fill(counter, quantity=99_999_999))
    assert response.status_code == 422
    assert "quantity" in response.json["errors"]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Dispense)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(JournalEntry)) == 0
