"""Closing: paid (residual write-off, release letter) and no recovery; closed cases refuse."""

import io

import pytest
from pypdf import PdfReader

from lienrx.extensions import db
from lienrx.ledger.queries import case_balance
from lienrx.settlement.queries import case_totals
from tests.settlement.conftest import pay, reduce, settle


def close(client, case_id, outcome="paid", reason=None):
    body = {"outcome": outcome} if reason is None else {"outcome": outcome, "reason": reason}
    return client.post(f"/api/v1/cases/{case_id}/close", json=body)


def test_close_paid_writes_off_the_residual_and_issues_a_release(app, billing, charged,
                                                                 ledger_ok):
    case_id = charged(10000)
    settle(billing, case_id)
    pay(billing, case_id, "80.00")
    r = close(billing, case_id, reason="accepted reduced payoff")
    assert r.status_code == 200, r.json
    assert (r.json["status"], r.json["balance"]) == ("closed", "0.00")
    release = r.json["release"]
    assert (release["amount_paid"], release["paid_on"], release["reduced"]) == (
        "80.00", "2026-01-11", True)
    with app.app_context():
        totals = case_totals(case_id)
        assert (totals.write_offs, totals.balance) == (2000, 0)
    ledger_ok()


def test_close_paid_residual_needs_a_reason(billing, charged):
    case_id = charged(10000)
    pay(billing, case_id, "80.00")
    r = close(billing, case_id)
    assert r.status_code == 422 and "reason" in r.json["errors"]


def test_close_paid_without_any_payment_is_422_on_outcome(billing, charged):
    r = close(billing, charged(10000), reason="x")
    assert r.status_code == 422 and "outcome" in r.json["errors"]


def test_close_paid_in_full_needs_no_reason(billing, charged):
    case_id = charged(10000)
    pay(billing, case_id, "100.00")
    r = close(billing, case_id)
    assert r.status_code == 200 and r.json["release"]["reduced"] is False


def test_close_no_recovery_writes_off_the_whole_balance(app, billing, charged, ledger_ok):
    case_id = charged(10000, 2500)
    r = close(billing, case_id, "no_recovery", reason="case dropped")
    assert r.status_code == 200, r.json
    assert (r.json["status"], r.json["balance"], r.json["release"]) == (
        "closed_no_recovery", "0.00", None)
    assert (r.json["closing_letter"]["written_off"], r.json["closing_letter"]["billed"]) == (
        "125.00", "125.00")
    with app.app_context():
        assert case_totals(case_id).write_offs == 12500
    ledger_ok()


def test_close_repeat_is_invalid_transition(billing, charged):
    case_id = charged(100)
    assert close(billing, case_id, "no_recovery").status_code == 200
    for outcome in ("no_recovery", "paid"):
        r = close(billing, case_id, outcome, reason="again")
        assert r.status_code == 409 and r.json["code"] == "invalid_transition"


def test_close_paid_from_on_hold_is_invalid_transition(app, billing, charged):
    from lienrx.cases import services as cases

    case_id = charged(100)
    pay(billing, case_id, "1.00")
    with app.app_context():
        cases.hold_case(None, case_id, "waiting")
        db.session.commit()
    r = close(billing, case_id, reason="x")
    assert r.status_code == 409 and r.json["code"] == "invalid_transition"


def test_close_bad_outcome_is_422(billing, charged):
    r = close(billing, charged(100), "won_the_lottery")
    assert r.status_code == 422 and "outcome" in r.json["errors"]


def test_closed_case_takes_no_further_charges_or_adjustments(billing, charged):
    case_id = charged(100)
    close(billing, case_id, "no_recovery")
    refusals = [
        reduce(billing, case_id, "amount", "1.00"),
        pay(billing, case_id, "1.00"),
        billing.post(f"/api/v1/cases/{case_id}/write-offs", json={"reason": "x"}),
        settle(billing, case_id),
        billing.post(f"/api/v1/cases/{case_id}/payoff-statements"),
    ]
    assert [(r.status_code, r.json["code"]) for r in refusals] == [(409, "case_closed")] * 5


def test_release_letter_says_full_satisfaction_when_reduced(billing, charged):
    case_id = charged(10000)
    settle(billing, case_id)
    reduce(billing, case_id, "pro_rata")
    pay(billing, case_id, "60.00")
    close(billing, case_id, reason="reduced payoff accepted")
    html = billing.get(f"/api/v1/cases/{case_id}/release-letter.html")
    assert html.status_code == 200 and html.mimetype == "text/html"
    text = html.get_data(as_text=True)
    assert "accepted in full satisfaction" in text and "$60.00" in text
    assert "January 11, 2026" in text
    pdf = billing.get(f"/api/v1/cases/{case_id}/release-letter.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    pages = PdfReader(io.BytesIO(pdf.data)).pages
    content = " ".join(" ".join(page.extract_text().split()) for page in pages)
    assert "full satisfaction" in content and "$60.00" in content


def test_release_letter_without_reduction_says_paid_in_full(billing, charged):
    case_id = charged(10000)
    pay(billing, case_id, "100.00")
    close(billing, case_id)
    text = billing.get(f"/api/v1/cases/{case_id}/release-letter.html").get_data(as_text=True)
    assert "The lien is paid in full." in text and "full satisfaction" not in text


def test_release_letter_for_attorney_of_the_firm_only(app, api_as, billing, charged, world):
    case_id = charged(10000)
    pay(billing, case_id, "100.00")
    close(billing, case_id)
    own = api_as("attorney", world.firm_id)
    assert own.get(f"/api/v1/cases/{case_id}/release-letter.pdf").status_code == 200
    other = api_as("attorney")
    assert other.get(f"/api/v1/cases/{case_id}/release-letter.html").status_code == 404
    assert api_as("pharmacist").get(
        f"/api/v1/cases/{case_id}/release-letter.html").status_code == 403


def test_release_letter_before_close_is_404(billing, charged):
    r = billing.get(f"/api/v1/cases/{charged(100)}/release-letter.html")
    assert r.status_code == 404 and r.mimetype == "application/problem+json"


@pytest.mark.parametrize("outcome", ["paid", "no_recovery"])
def test_close_leaves_a_zero_balance(app, billing, charged, outcome):
    case_id = charged(12345)
    pay(billing, case_id, "23.45")
    close(billing, case_id, outcome, reason="done")
    with app.app_context():
        assert case_balance(case_id) == 0
