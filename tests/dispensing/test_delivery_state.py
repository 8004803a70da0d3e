"""SPEC §7.2: scheduling and prescription rules follow the pharmacy's state and, for a fill
shipped to another state, the stricter of the two — never the case's court venue."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from lienrx.core import clock
from lienrx.extensions import db
from lienrx.prescribing import rules
from tests import factories
from tests.formulary.factories import (
    GABAPENTIN_300_NDC,
    load_products,
    prescription,
    receive_ndc_lot,
)
from tests.staff.conftest import sign_in, text


@pytest.fixture
def rph(api_as):
    return api_as("pharmacist")


def gabapentin_rx(app, *, jurisdiction="TN", written_days_ago=0):
    """Gabapentin 300 mg × 90 with a refill, entered where the pharmacy is."""
    with app.app_context():
        load_products("GABA-CAP-300")
        firm = factories.law_firm()
        case = factories.case(firm, jurisdiction=jurisdiction)
        rx = prescription(case.id, factories.prescriber().id, "GABA-CAP-300",
                          quantity=Decimal(90), days_supply=30, refills_authorized=1,
                          written_on=clock.today() - timedelta(days=written_days_ago))
        if rx.controlled:  # Schedule V in TN: each fill draws from a received lot
            receive_ndc_lot(GABAPENTIN_300_NDC, f"GB-{rx.id}")
        db.session.commit()
        return rx.id


def fill(rx_id, **extra):
    return {"prescription_id": rx_id, "quantity": 90, "days_supply": 30,
            "ndc": GABAPENTIN_300_NDC, "lot_number": f"GB-{rx_id}", **extra}


@pytest.fixture
def georgia(app, monkeypatch):
    """A pharmacy in Georgia, where gabapentin is not scheduled."""
    monkeypatch.setitem(app.config, "LIENRX_PHARMACY_STATE", "GA")


def test_a_fill_shipped_to_a_state_that_schedules_the_drug_follows_the_stricter_schedule(
        app, rph, georgia):
    rx_id = gabapentin_rx(app)
    shipped = rph.post("/api/v1/dispenses", json=fill(
        rx_id, quantity=180, days_supply=60, combine_refills=True, delivery_method="mail",
        delivery_state="KY"))
    assert shipped.status_code == 422
    assert "Schedule V" in shipped.json["errors"]["combine_refills"][0]
    at_home = rph.post("/api/v1/dispenses", json=fill(
        rx_id, quantity=180, days_supply=60, combine_refills=True, delivery_method="mail",
        delivery_state="GA"))
    assert at_home.status_code == 201, at_home.json
    assert at_home.json["delivery_state"] == "GA"


def test_the_case_venue_never_sets_the_schedule(app, rph, georgia):
    rx_id = gabapentin_rx(app, jurisdiction="KY")  # sued in Kentucky, filled in Georgia
    picked_up = rph.post("/api/v1/dispenses", json=fill(
        rx_id, quantity=180, days_supply=60, combine_refills=True, delivery_method="pickup"))
    assert picked_up.status_code == 201, picked_up.json


def test_delivery_state_is_only_for_a_fill_that_is_shipped(app, rph):
    rx_id = gabapentin_rx(app)
    for method in ("pickup", None):
        refused = rph.post("/api/v1/dispenses", json=fill(
            rx_id, delivery_method=method, delivery_state="KY"))
        assert refused.status_code == 422
        assert list(refused.json["errors"]) == ["delivery_state"]
    unknown = rph.post("/api/v1/dispenses", json=fill(
        rx_id, delivery_method="mail", delivery_state="XX"))
    assert unknown.json["errors"]["delivery_state"] == ["Use a two-letter US state code, e.g. KY."]


def test_a_shipped_fill_past_the_delivery_states_validity_is_prescription_expired(
        app, rph, monkeypatch):
    monkeypatch.setitem(rules.STATE_RULES, "OH", rules.StateRule(
        schedule_overrides={"gabapentin": "V"},
        validity_overrides={"V": rules.Validity(days=30)}))
    rx_id = gabapentin_rx(app, written_days_ago=40)  # valid a year in Tennessee
    shipped = rph.post("/api/v1/dispenses", json=fill(
        rx_id, delivery_method="courier", delivery_state="OH"))
    assert shipped.status_code == 409 and shipped.json["code"] == "prescription_expired"
    assert "Shipped to OH" in shipped.json["detail"]
    assert rph.post("/api/v1/dispenses", json=fill(rx_id)).status_code == 201


def test_products_show_their_effective_schedule_in_the_pharmacys_state(app, api_as,
                                                                       monkeypatch):
    with app.app_context():
        ids = load_products("GABA-CAP-300", "KET-CRM-10", "AMIT-TAB-10")
        db.session.commit()
    tech = api_as("technician")

    def shown(code):
        return tech.get(f"/api/v1/products/{ids[code]}").json

    assert (shown("GABA-CAP-300")["dea_schedule"], shown("GABA-CAP-300")["effective_schedule"]
            ) == (None, "V")  # Tennessee schedules gabapentin itself
    assert shown("KET-CRM-10")["effective_schedule"] == "III"
    assert shown("AMIT-TAB-10")["effective_schedule"] is None
    monkeypatch.setitem(app.config, "LIENRX_PHARMACY_STATE", "GA")
    assert shown("GABA-CAP-300")["effective_schedule"] is None


def test_the_dispense_page_ships_to_a_state_and_shows_it(app):
    rx_id = gabapentin_rx(app)
    page = sign_in(app, "pharmacist")
    path = f"/staff/prescriptions/{rx_id}"
    assert "Shipped to (state)" in text(page.get(path))
    form = {"quantity": "90", "days_supply": "30", "ndc": GABAPENTIN_300_NDC,
            "lot_number": f"GB-{rx_id}", "medguide_provided": "on",
            "delivery_method": "pickup", "delivery_state": "KY"}
    refused = page.post(f"{path}/dispense", data=form)
    assert refused.status_code == 422
    assert "Only a courier or mail fill is shipped to a state." in text(refused)
    done = page.post(f"{path}/dispense", data={**form, "delivery_method": "mail"})
    assert done.status_code == 302, text(done)
    assert "mail, shipped to KY" in text(page.get(done.headers["Location"]))
