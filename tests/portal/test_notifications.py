"""Notifications on the portal home: fills, quiet liens, payoffs, answers, closings."""

from __future__ import annotations

from datetime import timedelta

from lienrx.core import clock
from lienrx.extensions import db
from lienrx.reduction_requests import services as reduction_requests
from lienrx.settlement import payoff
from lienrx.settlement import services as settlement
from tests import factories
from tests.portal.conftest import csrf_token, fill, sign_in


def news(counsel) -> str:
    html = counsel.get("/portal/").get_data(as_text=True)
    return html.split('id="notes-h"', 1)[1].split("</section>", 1)[0]


def mark_read(counsel) -> None:
    token = csrf_token(counsel.get("/portal/").get_data(as_text=True))
    assert counsel.post("/portal/notifications/read",
                        data={"csrf_token": token}).status_code == 302


def test_new_fills_are_notified_until_marked_read(app, counsel, book):
    assert "2 new fills" in news(counsel)
    mark_read(counsel)
    assert "Nothing new" in news(counsel)
    clock.freeze(clock.utcnow() + timedelta(days=10))
    sign_in(counsel, book.attorney_email)
    with app.app_context():
        fill(book.pharmacist_id, book.rx_id, 0)
        db.session.commit()
    assert "1 new fill" in news(counsel)


def test_quiet_lien_is_notified(app, counsel, book, monkeypatch):
    monkeypatch.setitem(app.config, "LIENRX_QUIET_LIEN_DAYS", 20)
    assert "No fill for 20 days" in news(counsel)
    mark_read(counsel)
    assert "No fill for 20 days" in news(counsel)  # a standing condition, not an event


def test_payoff_answer_and_closing_are_notified(app, counsel, book):
    mark_read(counsel)
    clock.freeze(clock.utcnow() + timedelta(seconds=5))
    with app.app_context():
        clerk = factories.user("billing")
        attorney = factories.user("attorney", firm_id=book.firm_id)
        statement = payoff.issue_statement(clerk, book.case_id)
        filed = reduction_requests.file_request(attorney, book.case_id, method="amount",
                                                value=1_000, reason="hardship")
        reduction_requests.answer_request(clerk, filed.id, decision="decline")
        settlement.record_payment(clerk, book.case_id, amount=10_500, received_on=clock.today(),
                                  reference="CHK 7")
        settlement.close_case(clerk, book.case_id, outcome="paid")
        db.session.commit()
        number, through = filed.acknowledgment_number, statement.valid_through
    section = news(counsel)
    assert f"payoff statement issued, valid through {through}" in section
    assert f"reduction request {number} declined" in section
    assert "case closed" in section


def test_another_firms_events_are_never_notified(app, counsel, book):
    with app.app_context():
        clerk = factories.user("billing")
        payoff.issue_statement(clerk, book.other_case_id)
        db.session.commit()
    section = news(counsel)
    assert "payoff statement issued" not in section and "THEIRS-1" not in section


def test_mark_read_needs_its_csrf_token(counsel, book):
    assert counsel.post("/portal/notifications/read").status_code == 400
    assert "2 new fills" in news(counsel)


def test_notifications_list_the_newest_and_count_the_rest(app, book):
    from lienrx.auth.models import User
    from lienrx.notifications.queries import notifications_for

    with app.app_context():
        firm = db.session.get(factories.LawFirm, book.firm_id)
        clerk = factories.user("billing")
        for _ in range(3):
            payoff.issue_statement(clerk, factories.case(firm).id)
        db.session.commit()
        attorney = db.session.execute(
            db.select(User).where(User.email == book.attorney_email)).scalar_one()
        found = notifications_for(attorney, quiet_after=0, shown=2)
        assert len(found.events) == 2 and found.events_total == 4  # 3 payoffs + the fills
        assert found.events[0].at >= found.events[1].at
        assert len(found.quiet) == 2 and found.quiet_total == 4  # every active case, N = 0
        assert found.quiet[0].count >= found.quiet[1].count  # quietest first


def test_quiet_days_rule():
    from datetime import date

    from lienrx.notifications.queries import quiet_days

    today = date(2026, 6, 30)
    assert quiet_days("active", date(2026, 5, 16), date(2026, 1, 1), today, 45) == 45
    assert quiet_days("active", date(2026, 5, 17), date(2026, 1, 1), today, 45) is None
    assert quiet_days("active", None, date(2026, 5, 1), today, 45) == 60  # never filled
    assert quiet_days("settled", date(2026, 1, 1), date(2026, 1, 1), today, 45) is None
