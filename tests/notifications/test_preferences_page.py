"""An attorney turns each e-mailed event on or off on the portal's preferences page."""

from __future__ import annotations

import re

import sqlalchemy as sa

from lienrx.extensions import db
from lienrx.outbox import rules
from lienrx.outbox.models import OutboxMessage
from lienrx.settlement import payoff
from tests import factories
from tests.portal.conftest import csrf_token, sign_in

PAGE = "/portal/notifications/preferences"


def checked(html: str) -> set[str]:
    return {name for name in rules.EVENTS
            if re.search(rf'name="{name}" type="checkbox" checked', html)}


def test_every_event_is_on_until_the_attorney_turns_it_off(client, book):
    counsel = sign_in(client, book.attorney_email)
    html = counsel.get(PAGE).get_data(as_text=True)
    assert checked(html) == set(rules.EVENTS)
    assert "A payoff statement is issued" in html
    assert 'href="/portal/notifications/preferences"' in counsel.get("/portal/").get_data(
        as_text=True)


def test_turned_off_events_are_saved_per_user_and_not_emailed(app, client, book):
    counsel = sign_in(client, book.attorney_email)
    token = csrf_token(counsel.get(PAGE).get_data(as_text=True))
    keep = {rules.NEW_FILL: "on", rules.CASE_CLOSED: "on"}
    response = counsel.post(PAGE, data={"csrf_token": token, **keep})
    assert response.status_code == 302
    html = counsel.get(PAGE).get_data(as_text=True)
    assert "E-mail preferences saved." in html
    assert checked(html) == set(keep)
    with app.app_context():
        partner = factories.user("attorney", firm_id=book.firm_id)
        payoff.issue_statement(factories.user("billing"), book.case_id)
        db.session.commit()
        to = [m.payload["user_id"] for m in db.session.scalars(
            sa.select(OutboxMessage).where(
                OutboxMessage.payload["event"].as_string() == rules.PAYOFF_ISSUED))]
        assert to == [partner.id]  # the partner's choices are their own: still on


def test_preferences_form_without_csrf_token_is_refused(client, book):
    counsel = sign_in(client, book.attorney_email)
    assert counsel.post(PAGE, data={rules.NEW_FILL: "on"}).status_code == 400
    assert checked(counsel.get(PAGE).get_data(as_text=True)) == set(rules.EVENTS)


def test_staff_have_no_preferences_page(client, app):
    with app.app_context():
        clerk = factories.user("billing")
        db.session.commit()
        email = clerk.email
    staff = sign_in(client, email)
    assert staff.get(PAGE).status_code in (403, 404)
