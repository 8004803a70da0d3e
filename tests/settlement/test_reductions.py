"""POST /cases/{id}/reductions: methods, statuses, settlement_required, limits, idempotency."""

import pytest
import sqlalchemy as sa

from lienrx.cases import services as cases
from lienrx.extensions import db
from lienrx.ledger.models import JournalEntry
from lienrx.parties.models import LawFirm
from lienrx.settlement.models import Reduction
from tests import factories
from tests.settlement.conftest import journal_count, reduce, settle


def test_reduction_amount_posts_a_reduction_entry_with_its_reason(app, billing, charged,
                                                                   ledger_ok):
    case_id = charged(10000, 5050)
    r = reduce(billing, case_id, "amount", "50.00")
    assert r.status_code == 201, r.json
    assert r.json["amount"] == "50.00" and r.json["balance"] == "100.50"
    with app.app_context():
        entry = db.session.get(JournalEntry, r.json["entry_id"])
        row = db.session.execute(sa.select(Reduction)).scalar_one()
        assert entry.kind == "reduction" and "negotiated with counsel" in entry.memo
        assert (row.method, row.value, row.amount_cents) == ("amount", "5000", 5000)
    ledger_ok()


@pytest.mark.parametrize("value", ["33.33", 33.33, 33])
def test_reduction_percent_accepts_decimal_strings_and_numbers(billing, charged, value):
    case_id = charged(10001)
    r = reduce(billing, case_id, "percent", value)
    assert r.status_code == 201, r.json
    expected = {"33.33": "33.33", 33.33: "33.33", 33: "33.00"}[value]
    assert r.json["amount"] == expected


def test_reduction_percent_rounds_half_up(billing, charged):
    case_id = charged(101)
    assert reduce(billing, case_id, "percent", "50").json["amount"] == "0.51"


def test_reduction_final_agrees_the_lien(billing, charged):
    case_id = charged(15050)
    r = reduce(billing, case_id, "final", "100.00")
    assert (r.status_code, r.json["amount"], r.json["balance"]) == (201, "50.50", "100.00")


def test_reduction_final_above_balance_is_422_on_value(billing, charged):
    r = reduce(billing, charged(15050), "final", "150.51")
    assert r.status_code == 422 and "value" in r.json["errors"]


def test_reduction_below_zero_is_422_on_value(billing, charged):
    r = reduce(billing, charged(15050), "amount", "150.51")
    assert r.status_code == 422 and "value" in r.json["errors"]


def test_reduction_percent_over_hundred_is_422_on_value(billing, charged):
    r = reduce(billing, charged(15050), "percent", "100.5")
    assert r.status_code == 422 and "value" in r.json["errors"]


@pytest.mark.parametrize("value", [None, "abc", True, "1e400", "0", "-5", [1], "12.34567"])
def test_reduction_bad_value_is_422_on_value(billing, charged, value):
    r = billing.post(f"/api/v1/cases/{charged(15050)}/reductions",
                     json={"method": "percent", "value": value, "reason": "x"})
    assert r.status_code == 422 and "value" in r.json["errors"], r.json


def test_reduction_amount_as_float_is_refused(billing, charged):
    r = reduce(billing, charged(15050), "amount", 10.5)
    assert r.status_code == 422 and "value" in r.json["errors"]


def test_reduction_unknown_method_and_missing_reason_are_422(billing, charged):
    r = billing.post(f"/api/v1/cases/{charged(100)}/reductions", json={"method": "magic"})
    assert r.status_code == 422 and {"method", "reason"} <= set(r.json["errors"])


@pytest.mark.parametrize("method,value", [("pro_rata", None), ("cap", "33.33")])
def test_settlement_required_for_pro_rata_and_cap(billing, charged, method, value):
    r = reduce(billing, charged(15050), method, value)
    assert r.status_code == 409 and r.json["code"] == "settlement_required"


def test_reduction_pro_rata_after_settlement(billing, charged, ledger_ok):
    case_id = charged(15050)
    assert settle(billing, case_id).status_code == 201
    r = reduce(billing, case_id, "pro_rata")
    assert (r.status_code, r.json["amount"], r.json["balance"]) == (201, "60.20", "90.30")
    ledger_ok()


def test_reduction_cap_after_settlement(billing, charged):
    case_id = charged(50000)
    settle(billing, case_id, gross="1000.00", fees="0.00", costs="0.00")
    r = reduce(billing, case_id, "cap", "33.33")
    assert (r.status_code, r.json["amount"], r.json["balance"]) == (201, "166.70", "333.30")


def test_reduction_cap_already_under_cap_is_422_on_value(billing, charged):
    case_id = charged(100)
    settle(billing, case_id)
    r = reduce(billing, case_id, "cap", "50")
    assert r.status_code == 422 and "value" in r.json["errors"]


def test_reduction_allowed_on_hold(app, billing, charged, world):
    case_id = charged(10000)
    with app.app_context():
        cases.hold_case(None, case_id, "client unreachable")
        db.session.commit()
    assert reduce(billing, case_id, "amount", "1.00").status_code == 201


def test_reduction_on_intake_case_is_invalid_transition(app, billing, world):
    with app.app_context():
        case = factories.case(db.session.get(LawFirm, world.firm_id), active=False)
        factories.ledger_charge(case.id, 1000)
        db.session.commit()
        case_id = case.id
    r = reduce(billing, case_id, "amount", "1.00")
    assert r.status_code == 409 and r.json["code"] == "invalid_transition"


def test_reduction_on_closed_case_is_case_closed(billing, charged):
    case_id = charged(1000)
    billing.post(f"/api/v1/cases/{case_id}/close", json={"outcome": "no_recovery"})
    r = reduce(billing, case_id, "amount", "1.00")
    assert r.status_code == 409 and r.json["code"] == "case_closed"


def test_reduction_is_billing_only(api_as, charged, world):
    case_id = charged(1000)
    for role in ("pharmacist", "admin"):
        assert reduce(api_as(role), case_id, "amount", "1.00").status_code == 403
    assert reduce(api_as("attorney", world.firm_id), case_id, "amount", "1.00").status_code == 403


def test_reduction_unknown_case_is_404(billing):
    assert reduce(billing, 999999, "amount", "1.00").status_code == 404


def test_reduction_idempotency_key_replays_without_posting(app, billing, charged):
    case_id = charged(10000)
    key = {"Idempotency-Key": "red-1"}
    first = reduce(billing, case_id, "amount", "10.00", headers=key)
    before = journal_count(app)
    again = reduce(billing, case_id, "amount", "10.00", headers=key)
    assert again.status_code == 201 and again.json == first.json
    assert journal_count(app) == before
    other = reduce(billing, case_id, "amount", "11.00", headers=key)
    assert other.status_code == 409 and other.json["code"] == "idempotency_key_reused"
