"""One form path on the staff pages: errors by label, all at once, at the top and beside each
field; money typed as people write it."""

import html as entities
import re

from lienrx.core import clock
from lienrx.extensions import db
from tests import factories
from tests.staff.conftest import text
from tests.staff.test_intake_pages import error_of


def summary_items(response):
    html = response.get_data(as_text=True)
    found = re.search(r'<div class="form-errors"[^>]*data-form-errors>(.*?)</div>', html, re.S)
    assert found, "no error summary on the page"
    return [(anchor, entities.unescape(message)) for anchor, message in
            re.findall(r'<li><a href="#([^"]+)">([^<]+)</a></li>', found.group(1))]


def test_field_errors_are_named_by_label_never_by_the_fields_id(staff):
    r = staff("technician").post("/staff/intake/patients", data={
        "patient-first_name": "Ann", "patient-last_name": "Lee",
        "patient-date_of_birth": "not a date"})
    assert r.status_code == 422
    assert ("f-patient-date_of_birth", "Date of birth: Enter a real date.") in summary_items(r)
    shown = text(r)
    assert "date_of_birth" not in shown and "date of birth:" not in shown


def test_all_errors_of_a_form_show_at_once_above_it_and_beside_each_field(staff):
    r = staff("technician").post("/staff/intake/patients", data={
        "patient-first_name": "Ann", "patient-date_of_birth": "31/02/1980",
        "patient-email": "not an address"})
    assert r.status_code == 422
    items = summary_items(r)
    assert [anchor for anchor, _ in items] == [
        "f-patient-last_name", "f-patient-date_of_birth", "f-patient-email"]
    assert [message.split(":")[0] for _, message in items] == [
        "Last name", "Date of birth", "E-mail"]
    assert "Please correct 3 errors." in text(r)
    for name in ("last_name", "date_of_birth", "email"):
        assert error_of(r, f"patient-{name}"), name


def test_the_summary_takes_focus_through_the_static_script(staff):
    r = staff("technician").post("/staff/intake/patients", data={})
    html = r.get_data(as_text=True)
    assert 'role="alert" tabindex="-1" data-form-errors' in html
    assert '<script src="/static/forms.js" defer></script>' in html
    assert "<script>" not in html  # the CSP allows no inline script


def test_a_rules_refusal_is_shown_in_the_same_summary(app, staff, world):
    with app.app_context():
        factories.ledger_charge(world.case_id, 100000)
        db.session.commit()
    r = staff("billing").post(f"/staff/billing/cases/{world.case_id}/reduce",
                              data={"reduce-method": "pro_rata", "reduce-reason": "x"})
    assert r.status_code == 409
    html = r.get_data(as_text=True)
    summary = html[html.index("data-form-errors"):]
    assert summary.index("Refused: Record the settlement first.") < summary.index("</div>")


def test_a_payment_typed_with_dollar_sign_and_commas_is_posted(app, staff, world):
    with app.app_context():
        factories.ledger_charge(world.case_id, 5_000_000)
        db.session.commit()
    page, desk = f"/staff/billing/cases/{world.case_id}", staff("billing")
    today = clock.today().isoformat()
    assert desk.post(f"{page}/settle", data={
        "settle-settled_on": today, "settle-gross_amount": "$100,000.00",
        "settle-attorney_fees": "$30,000", "settle-costs": " $2,000.00 "}).status_code == 302
    r = desk.post(f"{page}/pay", data={"pay-amount": "$25,000.00", "pay-received_on": today,
                                       "pay-reference": "Wire 1,234"})
    assert r.status_code == 302, text(r)
    assert "lien balance $25,000.00" in text(desk.get(page))


def test_money_that_is_not_an_amount_is_still_refused_by_label(app, staff, world):
    r = staff("billing").post(f"/staff/billing/cases/{world.case_id}/pay", data={
        "pay-amount": "$25k", "pay-received_on": clock.today().isoformat(),
        "pay-reference": "x"})
    assert r.status_code == 422
    assert [m for _, m in summary_items(r)] == [
        'Amount: Enter an amount in dollars and cents, e.g. 185.50.']
