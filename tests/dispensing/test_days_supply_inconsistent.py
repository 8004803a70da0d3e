"""SPEC §7.3: a dispense may not run more than 10 % faster than the prescribed daily amount
(409 days_supply_inconsistent, naming both rates); nothing is posted when it is refused."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lienrx.dispensing.models import Dispense
from lienrx.extensions import db
from tests.dispensing.conftest import cream_fill
from tests.formulary.factories import (
    GABAPENTIN_300_NDC,
    load_products,
    prescription,
    receive_ndc_lot,
)


@pytest.fixture
def rph(api_as):
    return api_as("pharmacist")


@pytest.fixture
def dosed_rx(app, world):
    """Gabapentin 300 mg: 1 capsule three times a day, 90 for 30 days."""
    with app.app_context():
        load_products("GABA-CAP-300")
        rx = prescription(world.case_id, world.prescriber_id, "GABA-CAP-300",
                          quantity=Decimal(90), days_supply=30, sig=None,
                          dose={"amount": Decimal(300), "unit": "mg",
                                "times_per_day": Decimal(3)})
        receive_ndc_lot(GABAPENTIN_300_NDC, "GB-DS1")  # gabapentin is Schedule V in TN
        db.session.commit()
        return rx.id


def fill(rx_id, quantity, days_supply):
    return {"prescription_id": rx_id, "quantity": quantity, "days_supply": days_supply,
            "ndc": GABAPENTIN_300_NDC, "lot_number": "GB-DS1", "medguide_provided": True}


def test_days_supply_inconsistent_refuses_a_dispense_faster_than_prescribed(app, rph, dosed_rx):
    refused = rph.post("/api/v1/dispenses", json=fill(dosed_rx, 90, 15))
    assert refused.status_code == 409
    assert refused.json["code"] == "days_supply_inconsistent"
    assert refused.json["detail"] == (
        "90 each over 15 days is 6 each/day, more than 10 % above the prescribed 3 each/day: "
        "lengthen the days supply or dispense less.")
    assert (refused.json["dispensed_per_day"], refused.json["prescribed_per_day"]) == ("6", "3")
    with app.app_context():
        assert db.session.query(Dispense).count() == 0
    assert rph.post("/api/v1/dispenses", json=fill(dosed_rx, 90, 30)).status_code == 201


@pytest.mark.parametrize(("quantity", "days", "status"), [
    (30, 10, 201),   # 3 a day: as prescribed
    (30, 11, 201),   # slower than prescribed is never refused
    (33, 10, 201),   # 3.3 a day: 10 % over, at the limit
    (34, 10, 409),   # 3.4 a day
])
def test_days_supply_inconsistent_allows_10_percent(rph, dosed_rx, quantity, days, status):
    response = rph.post("/api/v1/dispenses", json=fill(dosed_rx, quantity, days))
    assert response.status_code == status, response.json


def test_without_a_dose_the_prescribed_rate_is_quantity_over_days_supply(rph, counter):
    # The cream: 30 g for 30 days. 30 g in 10 days is three times as fast.
    refused = rph.post("/api/v1/dispenses", json=cream_fill(counter, days_supply=10))
    assert refused.status_code == 409
    assert refused.json["code"] == "days_supply_inconsistent"
    assert "3 g/day" in refused.json["detail"] and "prescribed 1 g/day" in refused.json["detail"]
    assert rph.post("/api/v1/dispenses",
                    json=cream_fill(counter, quantity=10, days_supply=10)).status_code == 201
