"""Billing desk, settlement page, reduction requests, export and attestation pages."""

import re
from decimal import Decimal

from lienrx.core import clock
from lienrx.extensions import db
from lienrx.reduction_requests import services as reduction_requests
from tests import factories
from tests.staff.confirming import confirmed
from tests.staff.conftest import text
from tests.staff.test_intake_pages import error_of


def charged(app, world, cents=100000):
    with app.app_context():
        factories.ledger_charge(world.case_id, cents)
        db.session.commit()
    return f"/staff/billing/cases/{world.case_id}"


def test_what_if_shows_each_method_and_the_clients_net(app, staff, world):
    page = charged(app, world)
    r = staff("billing").get(f"{page}?wi-gross=30000&wi-attorney_fees=10000&wi-costs=2000"
                             "&wi-percent=10&wi-cap_percent=2")
    assert r.status_code == 200
    shown = text(r)
    # pro rata: 1000 × 12000 / 30000 = 400 off; client keeps 30000 − 12000 − 600
    assert "pro rata $400.00 $600.00 $17,400.00" in shown
    assert "percent 10 % $100.00 $900.00 $17,100.00" in shown
    assert "cap 2 % $400.00 $600.00 $17,400.00" in shown


def test_what_if_errors_sit_next_to_the_fields(app, staff, world):
    r = staff("billing").get(f"{charged(app, world)}?wi-gross=100&wi-attorney_fees=90"
                             "&wi-costs=20&wi-percent=abc")
    assert r.status_code == 422
    assert error_of(r, "wi-percent").startswith("Enter a percent")


def test_money_actions_validate_and_refuse_with_reasons(app, staff, world):
    page, desk = charged(app, world), staff("billing")
    r = desk.post(f"{page}/pay", data={"pay-amount": "12.345", "pay-reference": ""})
    assert r.status_code == 422
    assert error_of(r, "pay-amount").startswith("Enter an amount in dollars and cents")
    assert error_of(r, "pay-reference") == "This field is required."
    r = desk.post(f"{page}/reduce", data={"reduce-method": "pro_rata", "reduce-reason": "x"})
    assert r.status_code == 409 and "Refused: Record the settlement first." in text(r)
    r = desk.post(f"{page}/close", data={"close-outcome": "paid"})
    assert r.status_code == 422
    assert error_of(r, "close-outcome").startswith("No payment has been recorded")
    r = desk.post(f"{page}/settle", data={"settle-settled_on": clock.today().isoformat(),
                                          "settle-gross_amount": "100",
                                          "settle-attorney_fees": "90", "settle-costs": "20"})
    assert error_of(r, "settle-costs") == "Attorney fees plus costs exceed the gross recovery."


def test_settle_reduce_pay_and_close_leave_a_zero_balance(app, staff, world):
    page, desk = charged(app, world), staff("billing")
    today = clock.today().isoformat()
    assert desk.post(f"{page}/settle", data={
        "settle-settled_on": today, "settle-gross_amount": "30000",
        "settle-attorney_fees": "10000", "settle-costs": "2000"}).status_code == 302
    assert desk.post(f"{page}/reduce", data={"reduce-method": "pro_rata",
                                             "reduce-reason": "Procurement cost"}
                     ).status_code == 302
    assert desk.post(f"{page}/pay", data={"pay-amount": "500.00", "pay-received_on": today,
                                          "pay-reference": "CHK 77"}).status_code == 302
    shown = text(desk.get(page))
    assert "lien balance $100.00" in shown
    assert confirmed(desk, f"{page}/writeoff", {"writeoff-amount": "40",
                                                "writeoff-reason": "Courtesy"}).status_code == 302
    assert confirmed(desk, f"{page}/close", {"close-outcome": "paid",
                                             "close-reason": "Residual"}).status_code == 302
    shown = text(desk.get(page))
    assert "closed · lien balance $0.00" in shown
    assert "Release letter" in shown
    assert "Post payment" not in shown


def test_payment_above_the_balance_needs_the_overpayment_checkbox(app, staff, world):
    page, desk = charged(app, world, cents=10000), staff("billing")
    form = desk.get(page).get_data(as_text=True)
    assert re.search(r'<input id="f-pay-allow_overpayment" name="pay-allow_overpayment" '
                     r'type="checkbox"', form)
    paid = {"pay-amount": "$125.00", "pay-received_on": clock.today().isoformat(),
            "pay-reference": "CHK 9"}
    r = desk.post(f"{page}/pay", data=paid)
    assert r.status_code == 422
    assert error_of(r, "pay-amount").startswith("The payment is more than the balance of $100")
    assert "Amount: The payment is more than the balance" in text(r)
    r = desk.post(f"{page}/pay", data={**paid, "pay-allow_overpayment": "on"})
    assert r.status_code == 302
    shown = text(desk.get(page))
    assert "lien balance $0.00" in shown


def test_payoff_statement_is_issued_from_the_page(app, staff, world):
    page, desk = charged(app, world), staff("billing")
    assert desk.post(f"{page}/payoff").status_code == 302
    assert re.search(r"\$1,000\.00 valid through \S+ · valid", text(desk.get(page)))


def test_pending_reduction_request_is_accepted_from_the_desk(app, staff, world):
    charged(app, world)
    with app.app_context():
        attorney = db.session.get(factories.User, world.attorney_id)
        filed = reduction_requests.file_request(attorney, world.case_id, method="percent",
                                                value=Decimal(10), reason="Policy limits")
        db.session.commit()
        request_id = filed.id
    desk = staff("billing")
    assert "Policy limits" in text(desk.get("/staff/billing/"))
    path = f"/staff/billing/reduction-requests/{request_id}/answer"
    r = desk.post(path, data={f"rr{request_id}-decision": "counter"})
    assert r.status_code == 422
    assert error_of(r, f"rr{request_id}-value").startswith("A counter names the value")
    r = desk.post(path, data={f"rr{request_id}-decision": "accept"})
    assert r.status_code == 302
    assert "lien balance $900.00" in text(desk.get(f"/staff/billing/cases/{world.case_id}"))


def test_billing_pages_refuse_other_roles(staff, world):
    rph = staff("pharmacist")
    assert rph.get("/staff/billing/").status_code == 403
    assert rph.get(f"/staff/billing/cases/{world.case_id}").status_code == 403
    assert rph.post(f"/staff/billing/cases/{world.case_id}/pay", data={}).status_code == 403
    assert rph.get("/staff/billing/export").status_code == 403
    assert "Billing desk" not in text(rph.get("/staff/"))


def test_export_validates_filters_and_sends_the_workbook(app, staff, world):
    charged(app, world)
    desk = staff("billing")
    r = desk.get("/staff/billing/export?settled_from=2026-02-01&settled_to=2026-01-01"
                 "&download=1")
    assert r.status_code == 422
    assert error_of(r, "settled_to") == "settled_to is before settled_from."
    r = desk.get(f"/staff/billing/export?law_firm_id={world.firm_id}&download=1")
    assert r.status_code == 200
    assert r.mimetype.endswith("spreadsheetml.sheet") and r.data[:2] == b"PK"
    assert staff("admin").get("/staff/billing/export?download=1").status_code == 200


def test_attestation_preview_sign_and_roles(staff, world):
    path = f"/staff/cases/{world.case_id}/attestation"
    desk = staff("billing")
    assert "Not signed yet." in text(desk.get(path))
    assert "Sign POGOS" not in text(desk.get(path))
    assert desk.post(path, data={"narrative": "x"}).status_code == 403
    rph = staff("pharmacist")
    r = rph.post(path, data={"narrative": "x" * 20001})
    assert r.status_code == 422 and error_of(r, "narrative")
    r = confirmed(rph, path, {"narrative": "Ketamine cream treats the CRPS allodynia.",
                              "password": factories.PASSWORD})
    assert r.status_code == 302
    shown = text(rph.get(path))
    assert "Version 1" in shown and "Download PDF" in shown
    pdf = re.search(r'href="([^"]+\.pdf)"', rph.get(path).get_data(as_text=True)).group(1)
    assert rph.get(pdf).mimetype == "application/pdf"


def test_billing_sees_the_thread_and_answers_the_firms_counter_again(app, staff, world):
    charged(app, world)
    with app.app_context():
        attorney = db.session.get(factories.User, world.attorney_id)
        clerk = factories.user("billing")
        filed = reduction_requests.file_request(attorney, world.case_id, method="amount",
                                                value=30_000, reason="Policy limits")
        reduction_requests.answer_request(clerk, filed.id, decision="counter", value=10_000)
        reduction_requests.respond(attorney, filed.id, action="counter", amount=20_000,
                                   note="Meet us at 200.")
        db.session.commit()
        request_id = filed.id
    desk = staff("billing")
    shown = text(desk.get("/staff/billing/"))
    assert re.search(r"Firm \(.+?\) asked for \$300\.00 · .+? Billing \(.+?\) countered with "
                     r"\$100\.00 · .+? Firm \(.+?\) countered with \$200\.00", shown)
    assert "On the table: the firm's counter of $200.00" in shown
    path = f"/staff/billing/reduction-requests/{request_id}/answer"
    r = desk.post(path, data={f"rr{request_id}-decision": "counter",
                              f"rr{request_id}-value": "200.00"})
    assert r.status_code == 422
    assert error_of(r, f"rr{request_id}-value").startswith("A counter differs")
    assert desk.post(path, data={f"rr{request_id}-decision": "accept"}).status_code == 302
    settlement = text(desk.get(f"/staff/billing/cases/{world.case_id}"))
    assert "lien balance $800.00" in settlement
    assert "Billing (" in settlement and "accepted, posting $200.00" in settlement
