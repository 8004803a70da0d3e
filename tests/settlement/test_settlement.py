"""Recording the settlement, and the what-if preview that posts nothing."""

import pytest

from tests.settlement.conftest import journal_count, settle


def test_settlement_record_makes_the_case_settled(billing, charged):
    case_id = charged(10000)
    r = settle(billing, case_id)
    assert r.status_code == 201, r.json
    assert (r.json["gross_amount"], r.json["attorney_fees"], r.json["costs"]) == (
        "1000.00", "333.33", "66.67")
    assert billing.get(f"/api/v1/cases/{case_id}").json["status"] == "settled"


def test_settlement_twice_is_invalid_transition(billing, charged):
    case_id = charged(100)
    settle(billing, case_id)
    r = settle(billing, case_id)
    assert r.status_code == 409 and r.json["code"] == "invalid_transition"


@pytest.mark.parametrize("gross,fees,costs,field", [
    ("100.00", "90.00", "10.01", "costs"),
    ("0.00", "0.00", "0.00", "gross_amount"),
    ("-1.00", "0.00", "0.00", "gross_amount"),
    ("100", "x", "0", "attorney_fees"),
])
def test_settlement_bad_amounts_are_422(billing, charged, gross, fees, costs, field):
    r = settle(billing, charged(100), gross, fees, costs)
    assert r.status_code == 422 and field in r.json["errors"], r.json


def test_settlement_in_the_future_is_422(billing, charged):
    r = settle(billing, charged(100), settled_on="2999-01-01")
    assert r.status_code == 422 and "settled_on" in r.json["errors"]


def test_settlement_is_billing_only(api_as, charged, world):
    assert settle(api_as("attorney", world.firm_id), charged(100)).status_code == 403


def preview(client, case_id, query):
    return client.get(f"/api/v1/cases/{case_id}/settlement-preview?{query}")


def test_settlement_preview_shows_each_method_and_posts_nothing(app, billing, charged):
    case_id = charged(10000, 5050)
    before = journal_count(app)
    r = preview(billing, case_id, "gross=1000.00&attorney_fees=333.33&costs=66.67"
                "&percent=10&cap_percent=10&amount=50.00&final=120.00")
    assert r.status_code == 200, r.json
    rows = {s["method"]: (s["reduction"], s["lien"], s["client_net"]) for s in r.json["scenarios"]}
    assert rows == {
        "none": ("0.00", "150.50", "449.50"),
        "pro_rata": ("60.20", "90.30", "509.70"),
        "percent": ("15.05", "135.45", "464.55"),
        "cap": ("50.50", "100.00", "500.00"),
        "amount": ("50.00", "100.50", "499.50"),
        "final": ("30.50", "120.00", "480.00"),
    }
    assert journal_count(app) == before
    assert billing.get(f"/api/v1/cases/{case_id}").json["status"] == "active"


def test_settlement_preview_bad_input_is_422(billing, charged):
    case_id = charged(100)
    assert preview(billing, case_id, "gross=abc&attorney_fees=0&costs=0").status_code == 422
    assert preview(billing, case_id, "attorney_fees=0&costs=0").status_code == 422
    r = preview(billing, case_id, "gross=100&attorney_fees=0&costs=0&final=2.00")
    assert r.status_code == 422 and "final" in r.json["errors"]
    r = preview(billing, case_id, "gross=100&attorney_fees=90&costs=20")
    assert r.status_code == 422 and "costs" in r.json["errors"]


def test_settlement_preview_for_attorney_of_the_firm_only(api_as, charged, world):
    case_id = charged(100)
    query = "gross=100&attorney_fees=0&costs=0"
    assert preview(api_as("attorney", world.firm_id), case_id, query).status_code == 200
    assert preview(api_as("attorney"), case_id, query).status_code == 404
