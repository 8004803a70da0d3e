"""A double-clicked or resent money form posts once (one-time submission keys)."""

import re

from lienrx.extensions import db
from lienrx.ledger.models import JournalEntry
from tests import factories

KEY = re.compile(r'name="submission_key" value="([0-9a-f]{32})"')


def test_payment_form_sent_twice_posts_once(app, staff, world):
    with app.app_context():
        factories.ledger_charge(world.case_id, 50_000)
        db.session.commit()
    desk = staff("billing")
    page = f"/staff/billing/cases/{world.case_id}"
    keys = KEY.findall(desk.get(page).get_data(as_text=True))
    assert len(set(keys)) >= 5  # every money form has its own key
    form = {"pay-amount": "125.00", "pay-received_on": "2026-11-20",
            "pay-reference": "CHK 1001", "submission_key": keys[0]}
    first = desk.post(f"{page}/pay", data=form)
    again = desk.post(f"{page}/pay", data=form)
    assert first.status_code == again.status_code == 302
    assert "already submitted" in desk.get(page).get_data(as_text=True)
    with app.app_context():
        assert db.session.query(JournalEntry).filter_by(kind="payment").count() == 1


def test_refused_form_can_be_corrected_and_sent_with_the_same_key(app, staff, world):
    with app.app_context():
        factories.ledger_charge(world.case_id, 50_000)
        db.session.commit()
    desk = staff("billing")
    page = f"/staff/billing/cases/{world.case_id}"
    key = KEY.findall(desk.get(page).get_data(as_text=True))[0]
    bad = desk.post(f"{page}/pay", data={"pay-amount": "12.345", "pay-received_on": "2026-11-20",
                                         "pay-reference": "CHK 1", "submission_key": key})
    assert bad.status_code == 422
    good = desk.post(f"{page}/pay", data={"pay-amount": "12.34", "pay-received_on": "2026-11-20",
                                          "pay-reference": "CHK 1", "submission_key": key})
    assert good.status_code == 302
    with app.app_context():
        assert db.session.query(JournalEntry).filter_by(kind="payment").count() == 1
