"""The portal's webhooks page: an attorney lists the firm's webhooks, adds one (its secret
shown once), deletes one, and reads the delivery log in the pharmacy's time zone."""

from __future__ import annotations

import html
import re

import sqlalchemy as sa

from lienrx.core import clock
from lienrx.extensions import db
from lienrx.outbox.models import WebhookSubscription
from lienrx.webhooks.models import WebhookDelivery
from tests import factories
from tests.portal.conftest import csrf_token, sign_in
from tests.portal.test_accessibility import unlabelled
from tests.webhooks.conftest import subscribe
from tests.webhooks.test_delivery import issue_payoff, run_once

URL = "https://cms.cumberland-law.example/hooks/lienrx"
SECRET = re.compile(r'<code class="secret">([0-9a-f]{64})</code>')


def add(counsel, **form):
    token = csrf_token(counsel.get("/portal/webhooks").get_data(as_text=True))
    return counsel.post("/portal/webhooks", data={"csrf_token": token, **form})


def test_the_portal_nav_links_to_the_webhooks_page(client, book):
    counsel = sign_in(client, book.attorney_email)
    assert 'href="/portal/webhooks"' in counsel.get("/portal/").get_data(as_text=True)


def test_an_attorney_adds_a_webhook_and_sees_its_secret_once(app, client, book):
    counsel = sign_in(client, book.attorney_email)
    answer = add(counsel, url=URL, events=["new_fill", "case_closed"])
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200
    secret = SECRET.search(page).group(1)
    assert "store its secret now" in page
    with app.app_context():
        made = db.session.scalars(sa.select(WebhookSubscription)).one()
        assert (made.law_firm_id, made.url, made.events, made.secret) == (
            book.firm_id, URL, ["new_fill", "case_closed"], secret)
        db.session.remove()
    again = counsel.get("/portal/webhooks").get_data(as_text=True)
    assert URL in again and secret not in again
    assert "A new fill is dispensed; A case is closed" in again


def test_a_bad_url_or_no_event_is_refused_next_to_the_field(app, client, book):
    counsel = sign_in(client, book.attorney_email)
    answer = add(counsel, url="ftp://cms.example/hooks", events=["new_fill"])
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert 'id="f-url-error"' in page and "URL: Use an http:// or https:// URL." in page
    assert 'value="ftp://cms.example/hooks"' in page
    assert 'value="new_fill" checked' in page  # what was chosen stays chosen
    none = add(counsel, url=URL).get_data(as_text=True)
    assert "Events: Choose at least one event." in none and 'id="f-events-error"' in none
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(WebhookSubscription.id))) == 0
        db.session.remove()


def test_the_page_lists_only_the_firms_webhooks_and_deletes_one(app, client, book):
    ours = subscribe(app, book.firm_id, URL, ["new_fill"])
    with app.app_context():
        other_firm = factories.law_firm().id
        db.session.commit()
    theirs = subscribe(app, other_firm, "https://theirs.example/hook", ["new_fill"])
    counsel = sign_in(client, book.attorney_email)
    page = counsel.get("/portal/webhooks").get_data(as_text=True)
    assert URL in page and "theirs.example" not in page
    token = csrf_token(page)
    assert counsel.post(f"/portal/webhooks/{theirs.id}/delete",
                        data={"csrf_token": token}).status_code == 404
    deleted = counsel.post(f"/portal/webhooks/{ours.id}/delete", data={"csrf_token": token},
                           follow_redirects=True)
    assert "Webhook deleted" in deleted.get_data(as_text=True)
    assert "No webhooks yet." in deleted.get_data(as_text=True)


def test_the_page_shows_the_delivery_log_in_the_pharmacy_time_zone(app, client, book,
                                                                   receiver, runner):
    subscribe(app, book.firm_id, receiver.url, ["payoff_issued"])
    issue_payoff(app, book.case_id)
    receiver.answers = [500]
    run_once(runner)
    with app.app_context():
        attempted = db.session.scalars(sa.select(WebhookDelivery)).one().attempted_at
        db.session.remove()
    shown = attempted.astimezone(clock.timezone()).strftime("%Y-%m-%d %H:%M %Z")
    page = html.unescape(sign_in(client, book.attorney_email).get("/portal/webhooks")
                         .get_data(as_text=True))
    log = page[page.index("Recent deliveries"):]
    assert shown in log
    assert "A payoff statement is issued" in log
    assert "Refused by the receiver (HTTP 500)" in log
    first, last = book.client_name.split(" ")
    assert first not in log and last not in log


def test_another_firms_attorney_sees_none_of_the_delivery_log(app, client, book, receiver,
                                                              runner):
    subscribe(app, book.firm_id, receiver.url, ["payoff_issued"])
    issue_payoff(app, book.case_id)
    run_once(runner)
    with app.app_context():
        outsider = factories.user("attorney", firm_id=factories.law_firm().id)
        db.session.commit()
        email = outsider.email
    page = sign_in(client, email).get("/portal/webhooks").get_data(as_text=True)
    assert "No deliveries yet." in page and receiver.url not in page


def test_every_control_on_the_webhooks_page_has_a_label_and_the_page_one_h1(client, book):
    counsel = sign_in(client, book.attorney_email)
    page = counsel.get("/portal/webhooks").get_data(as_text=True)
    assert unlabelled(page) == []
    assert page.count("<h1") == 1 and 'href="#main"' in page
