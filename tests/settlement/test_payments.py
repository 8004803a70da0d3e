"""Payments (idempotent; a confirmed overpayment books a refund owed) and write-offs."""

import pytest
import sqlalchemy as sa

from lienrx.extensions import db
from lienrx.ledger.models import JournalEntry
from lienrx.ledger.queries import case_balance
from lienrx.settlement.models import Payment
from tests.settlement.conftest import journal_count, pay


def test_payment_lowers_the_balance(app, billing, charged, ledger_ok):
    case_id = charged(10000, 5050)
    r = pay(billing, case_id, "100.00")
    assert r.status_code == 201, r.json
    assert (r.json["balance"], r.json["amount"], r.json["refund_owed"]) == (
        "50.50", "100.00", "0.00")
    with app.app_context():
        entry = db.session.get(JournalEntry, r.json["entry_id"])
        payment = db.session.execute(sa.select(Payment)).scalar_one()
        assert entry.kind == "payment" and str(entry.occurred_on) == "2026-01-11"
        assert payment.reference == "CHK 1001"
    ledger_ok()


def test_payment_idempotency_key_replays_the_first_result(app, billing, charged):
    case_id = charged(10000)
    key = {"Idempotency-Key": "pay-abc"}
    first = pay(billing, case_id, "40.00", headers=key)
    entries = journal_count(app)
    again = pay(billing, case_id, "40.00", headers=key)
    assert again.status_code == 201 and again.json == first.json
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert journal_count(app) == entries
    with app.app_context():
        assert case_balance(case_id) == 6000


def test_payment_idempotency_key_reused_with_another_body(billing, charged):
    case_id = charged(10000)
    pay(billing, case_id, "40.00", headers={"Idempotency-Key": "k1"})
    r = pay(billing, case_id, "41.00", headers={"Idempotency-Key": "k1"})
    assert r.status_code == 409 and r.json["code"] == "idempotency_key_reused"


def test_payment_refused_request_may_be_retried_under_the_same_key(billing, charged):
    case_id = charged(10000)
    key = {"Idempotency-Key": "k2"}
    bad = billing.post(f"/api/v1/cases/{case_id}/payments", headers=key,
                       json={"amount": "-1.00", "received_on": "2026-01-11", "reference": "x"})
    assert bad.status_code == 422
    assert pay(billing, case_id, "1.00", headers=key).status_code == 201


def test_overpayment_without_allow_overpayment_is_422_on_amount(app, billing, charged):
    case_id = charged(10000)
    entries = journal_count(app)
    r = pay(billing, case_id, "125.00")
    assert r.status_code == 422
    assert list(r.json["errors"]) == ["amount"]
    assert "balance of $100.00" in r.json["errors"]["amount"][0]
    assert journal_count(app) == entries


def test_payment_of_exactly_the_balance_needs_no_allow_overpayment(billing, charged):
    case_id = charged(10000)
    r = pay(billing, case_id, "100.00")
    assert r.status_code == 201 and r.json["refund_owed"] == "0.00"


def test_overpayment_with_allow_overpayment_books_the_excess_as_refund_owed(
        app, billing, charged, ledger_ok):
    case_id = charged(10000)
    r = pay(billing, case_id, "125.00", allow_overpayment=True)
    assert r.status_code == 201
    assert (r.json["balance"], r.json["refund_owed"]) == ("0.00", "25.00")
    with app.app_context():
        refund = db.session.execute(
            sa.select(JournalEntry).where(JournalEntry.kind == "refund")).scalar_one()
        legs = sorted(p.amount_cents for p in refund.postings)
        assert legs == [-2500, 2500] and refund.source_type == "payment"
        assert case_balance(case_id) == 0
    ledger_ok()


def test_payment_on_a_zero_balance_is_all_refund(billing, charged, ledger_ok):
    case_id = charged(100)
    pay(billing, case_id, "1.00")
    assert pay(billing, case_id, "5.00").status_code == 422
    r = pay(billing, case_id, "5.00", allow_overpayment=True)
    assert (r.json["balance"], r.json["refund_owed"]) == ("0.00", "5.00")
    ledger_ok()


@pytest.mark.parametrize("body,field", [
    ({"amount": "0.00", "received_on": "2026-01-11", "reference": "x"}, "amount"),
    ({"amount": 12.5, "received_on": "2026-01-11", "reference": "x"}, "amount"),
    ({"amount": "1.005", "received_on": "2026-01-11", "reference": "x"}, "amount"),
    ({"amount": "1.00", "received_on": "2099-01-01", "reference": "x"}, "received_on"),
    ({"amount": "1.00", "received_on": "yesterday", "reference": "x"}, "received_on"),
    ({"amount": "1.00", "received_on": "2026-01-11", "reference": "  "}, "reference"),
])
def test_payment_bad_input_is_422_on_the_field(billing, charged, body, field):
    r = billing.post(f"/api/v1/cases/{charged(100)}/payments", json=body)
    assert r.status_code == 422 and field in r.json["errors"], r.json


def test_payment_body_not_json_is_400(billing, charged):
    r = billing.post(f"/api/v1/cases/{charged(100)}/payments", data="{nope",
                     headers={"Content-Type": "application/json"})
    assert r.status_code == 400


def test_payment_on_closed_case_is_case_closed(billing, charged):
    case_id = charged(1000)
    billing.post(f"/api/v1/cases/{case_id}/close", json={"outcome": "no_recovery"})
    r = pay(billing, case_id, "1.00")
    assert r.status_code == 409 and r.json["code"] == "case_closed"


def test_write_off_without_amount_writes_off_the_whole_balance(billing, charged, ledger_ok):
    case_id = charged(10000, 50)
    r = billing.post(f"/api/v1/cases/{case_id}/write-offs", json={"reason": "uncollectable"})
    assert r.status_code == 201, r.json
    assert (r.json["amount"], r.json["balance"]) == ("100.50", "0.00")
    ledger_ok()


def test_write_off_part_of_the_balance(billing, charged):
    r = billing.post(f"/api/v1/cases/{charged(10000)}/write-offs",
                     json={"amount": "30.00", "reason": "duplicate fill"})
    assert (r.status_code, r.json["balance"]) == (201, "70.00")


def test_write_off_above_balance_is_422_on_amount(billing, charged):
    r = billing.post(f"/api/v1/cases/{charged(10000)}/write-offs",
                     json={"amount": "100.01", "reason": "x"})
    assert r.status_code == 422 and "amount" in r.json["errors"]


def test_write_off_of_a_zero_balance_is_422_on_amount(billing, charged):
    r = billing.post(f"/api/v1/cases/{charged()}/write-offs", json={"reason": "x"})
    assert r.status_code == 422 and "amount" in r.json["errors"]


def test_write_off_needs_a_reason(billing, charged):
    r = billing.post(f"/api/v1/cases/{charged(100)}/write-offs", json={})
    assert r.status_code == 422 and "reason" in r.json["errors"]


def test_write_off_idempotency_key_replays(app, billing, charged):
    case_id = charged(10000)
    key = {"Idempotency-Key": "wo-1"}
    body = {"amount": "10.00", "reason": "x"}
    first = billing.post(f"/api/v1/cases/{case_id}/write-offs", json=body, headers=key)
    again = billing.post(f"/api/v1/cases/{case_id}/write-offs", json=body, headers=key)
    assert again.json == first.json
    with app.app_context():
        assert case_balance(case_id) == 9000


def test_payments_and_write_offs_are_billing_only(api_as, charged, world):
    case_id = charged(1000)
    attorney = api_as("attorney", world.firm_id)
    assert pay(attorney, case_id, "1.00").status_code == 403
    assert pay(api_as("pharmacist"), case_id, "1.00").status_code == 403
    r = attorney.post(f"/api/v1/cases/{case_id}/write-offs", json={"reason": "x"})
    assert r.status_code == 403
