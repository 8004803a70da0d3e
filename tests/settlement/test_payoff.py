"""Payoff quotes and statements: lines, validity, void on a later entry, expiry, access."""

from datetime import UTC, date, datetime, timedelta

from lienrx.core import clock
from lienrx.extensions import db
from tests import factories
from tests.settlement.conftest import pay


def freeze(day: date) -> None:
    clock.freeze(datetime(day.year, day.month, day.day, 12, tzinfo=UTC))


def test_payoff_quote_itemises_lines_that_sum_to_the_balance(billing, charged, ledger_ok):
    freeze(date(2026, 3, 1))
    case_id = charged(10000, 5050)
    pay(billing, case_id, "20.00")
    r = billing.get(f"/api/v1/cases/{case_id}/payoff")
    assert r.status_code == 200, r.json
    assert (r.json["balance"], r.json["valid_through"]) == ("130.50", "2026-03-31")
    lines = r.json["lines"]
    assert [(line["kind"], line["amount"], line["dispense_id"]) for line in lines] == [
        ("payment", "-20.00", None), ("charge", "100.00", 1), ("charge", "50.50", 2)]
    assert lines[1]["description"] == "Fill 1" and lines[1]["occurred_on"] == "2026-03-01"
    assert sum(int(line["amount"].replace(".", "")) for line in lines) == 13050


def test_payoff_valid_days_is_configurable(app, billing, charged):
    freeze(date(2026, 3, 1))
    case_id = charged(100)
    app.config["LIENRX_PAYOFF_VALID_DAYS"] = 10
    try:
        r = billing.get(f"/api/v1/cases/{case_id}/payoff")
    finally:
        app.config["LIENRX_PAYOFF_VALID_DAYS"] = 30
    assert r.json["valid_through"] == "2026-03-11"


def test_payoff_for_attorney_of_the_firm_only(api_as, charged, world):
    case_id = charged(100)
    own = api_as("attorney", world.firm_id)
    assert own.get(f"/api/v1/cases/{case_id}/payoff").status_code == 200
    assert own.post(f"/api/v1/cases/{case_id}/payoff-statements").status_code == 201
    other = api_as("attorney")
    assert other.get(f"/api/v1/cases/{case_id}/payoff").status_code == 404
    assert other.post(f"/api/v1/cases/{case_id}/payoff-statements").status_code == 404
    assert api_as("pharmacist").get(f"/api/v1/cases/{case_id}/payoff").status_code == 403


def test_payoff_statement_is_issued_and_stored(billing, charged):
    freeze(date(2026, 3, 1))
    case_id = charged(10000)
    r = billing.post(f"/api/v1/cases/{case_id}/payoff-statements")
    assert r.status_code == 201, r.json
    assert (r.json["balance"], r.json["valid_through"], r.json["status"]) == (
        "100.00", "2026-03-31", "valid")
    assert r.json["issued_at"].startswith("2026-03-01T12:00:00") and len(r.json["lines"]) == 1
    listed = billing.get(f"/api/v1/cases/{case_id}/payoff-statements").json
    assert [s["id"] for s in listed] == [r.json["id"]]


def test_payoff_statement_void_after_a_new_fill(app, billing, charged):
    case_id = charged(10000)
    billing.post(f"/api/v1/cases/{case_id}/payoff-statements")
    with app.app_context():
        factories.ledger_charge(case_id, 500)
        db.session.commit()
    listed = billing.get(f"/api/v1/cases/{case_id}/payoff-statements").json
    assert listed[0]["status"] == "void" and listed[0]["balance"] == "100.00"


def test_payoff_statement_void_after_an_adjustment(billing, charged):
    case_id = charged(10000)
    billing.post(f"/api/v1/cases/{case_id}/payoff-statements")
    pay(billing, case_id, "1.00")
    newer = billing.post(f"/api/v1/cases/{case_id}/payoff-statements").json
    statuses = [s["status"] for s in billing.get(f"/api/v1/cases/{case_id}/payoff-statements").json]
    assert statuses == ["valid", "void"] and newer["balance"] == "99.00"


def test_payoff_statement_of_a_case_without_entries_stays_valid(billing, charged):
    case_id = charged()
    assert billing.post(f"/api/v1/cases/{case_id}/payoff-statements").json["status"] == "valid"


def test_payoff_statement_expired_after_valid_through(billing, charged):
    freeze(date(2026, 3, 1))
    case_id = charged(10000)
    billing.post(f"/api/v1/cases/{case_id}/payoff-statements")
    freeze(date(2026, 3, 31))
    assert billing.get(f"/api/v1/cases/{case_id}/payoff-statements").json[0]["status"] == "valid"
    freeze(date(2026, 3, 31) + timedelta(days=1))
    assert billing.get(f"/api/v1/cases/{case_id}/payoff-statements").json[0]["status"] == "expired"


def test_payoff_valid_through_counts_from_the_pharmacys_date(billing, charged):
    from zoneinfo import ZoneInfo

    case_id = charged(100)
    # 21:00 Central on March 1st is 03:00 UTC on March 2nd
    clock.freeze(datetime(2026, 3, 1, 21, tzinfo=ZoneInfo("America/Chicago")))
    r = billing.get(f"/api/v1/cases/{case_id}/payoff")
    assert r.json["valid_through"] == "2026-03-31"
