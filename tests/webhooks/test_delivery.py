"""SPEC §7.8: webhook calls fan out from the outbox to each subscription that asked for the
event, are delivered by `lienrx notify run` as signed JSON without PHI to a real HTTP
receiver, retried with the outbox's backoff, given up for a deleted subscription, logged."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta

import sqlalchemy as sa

from lienrx.auth.models import User
from lienrx.core import clock
from lienrx.extensions import db
from lienrx.outbox import rules
from lienrx.outbox import services as outbox
from lienrx.outbox.models import OutboxMessage
from lienrx.settlement import payoff
from lienrx.webhooks import rules as webhook_rules
from lienrx.webhooks import services as webhooks
from lienrx.webhooks.models import WebhookDelivery
from tests import factories
from tests.notifications.conftest import free_port
from tests.webhooks.conftest import subscribe


def run_once(runner) -> str:
    result = runner.invoke(args=["notify", "run", "--once"])
    assert result.exit_code == 0, result.output
    return result.output


def calls(app) -> list[OutboxMessage]:
    with app.app_context():
        found = list(db.session.scalars(sa.select(OutboxMessage).where(
            OutboxMessage.channel == rules.WEBHOOK).order_by(OutboxMessage.id)))
        db.session.expunge_all()
        return found


def log(app) -> list[tuple[int, str, int | None]]:
    with app.app_context():
        found = [(d.attempt, d.outcome, d.status_code) for d in db.session.scalars(
            sa.select(WebhookDelivery).order_by(WebhookDelivery.id))]
        db.session.remove()
        return found


def issue_payoff(app, case_id: int) -> int:
    with app.app_context():
        statement = payoff.issue_statement(factories.user("billing"), case_id)
        db.session.commit()
        return statement.id


def test_an_event_queues_one_call_per_subscription_of_the_firm_that_asked_for_it(app, book):
    wants = subscribe(app, book.firm_id, "https://a.example/hook", ["payoff_issued"])
    also = subscribe(app, book.firm_id, "https://b.example/hook", ["new_fill", "payoff_issued"])
    subscribe(app, book.firm_id, "https://c.example/hook", ["case_closed"])
    gone = subscribe(app, book.firm_id, "https://d.example/hook", ["payoff_issued"])
    subscribe(app, factories_firm(app), "https://e.example/hook", ["payoff_issued"])
    with app.app_context():
        webhooks.delete(factories.user("billing"), gone.id)
        db.session.commit()
    issue_payoff(app, book.case_id)
    queued = calls(app)
    assert sorted(m.payload["subscription_id"] for m in queued) == [wants.id, also.id]
    assert {m.payload["event"] for m in queued} == {"payoff_issued"}


def factories_firm(app) -> int:
    with app.app_context():
        firm = factories.law_firm()
        db.session.commit()
        return firm.id


def test_a_change_that_rolls_back_queues_no_call(app, book):
    subscribe(app, book.firm_id, "https://a.example/hook", ["case_closed"])
    with app.app_context():
        outbox.enqueue_event(rules.CASE_CLOSED, book.case_id)
        db.session.rollback()
    assert calls(app) == []


def test_a_deduplicated_event_queues_one_call_per_subscription(app, book):
    first = subscribe(app, book.firm_id, "https://a.example/hook", ["quiet_lien"])
    second = subscribe(app, book.firm_id, "https://b.example/hook", ["quiet_lien"])
    with app.app_context():
        for _ in range(2):
            outbox.enqueue_event(rules.QUIET_LIEN, book.case_id, dedupe_key="quiet:1:x",
                                 facts={"days": 45})
        db.session.commit()
    assert sorted(m.payload["subscription_id"] for m in calls(app)) == [first.id, second.id]


def test_delivery_is_signed_with_hmac_sha256_of_the_body(app, book, receiver, runner):
    hook = subscribe(app, book.firm_id, receiver.url, ["payoff_issued"])
    issue_payoff(app, book.case_id)
    assert "webhooks: 1 sent, 0 to retry, 0 failed" in run_once(runner)
    [got] = receiver.requests
    expected = "sha256=" + hmac.new(hook.secret.encode(), got.body, hashlib.sha256).hexdigest()
    assert got.headers["X-LienRx-Signature"] == expected
    assert (got.method, got.path) == ("POST", "/hooks/lienrx")
    assert got.headers["Content-Type"] == "application/json"
    assert got.headers["User-Agent"] == "LienRx-Webhooks"
    assert got.headers["X-LienRx-Event"] == "payoff_issued"
    assert got.headers["X-LienRx-Delivery"] == str(json.loads(got.body)["id"])
    assert {"X-LienRx-Event", "X-LienRx-Delivery", "X-LienRx-Signature"} <= set(got.headers)
    [message] = calls(app)
    assert (message.status, message.attempts) == (rules.SENT, 1)
    assert log(app) == [(1, "delivered", 204)]


def test_the_body_names_the_case_by_id_file_number_and_status_and_holds_no_phi(
        app, book, receiver, runner):
    subscribe(app, book.firm_id, receiver.url, ["payoff_issued"])
    statement_id = issue_payoff(app, book.case_id)
    run_once(runner)
    [got] = receiver.requests
    body = json.loads(got.body)
    [message] = calls(app)
    public = app.config["LIENRX_PUBLIC_URL"]
    assert body == {
        "id": message.id, "event": "payoff_issued",
        "occurred_at": message.created_at.isoformat().replace("+00:00", "Z"),
        "case": {"id": book.case_id, "firm_file_number": book.file_number,
                 "status": body["case"]["status"]},
        "ref": {"type": "payoff_statement", "id": statement_id},
        "links": {"portal": f"{public}/portal/cases/{book.case_id}",
                  "api": f"{public}/api/v1/cases/{book.case_id}"}}
    assert body["case"]["status"] == "active"
    text = got.body.decode()
    first, last = book.client_name.split(" ")
    for phi in (first, last, "1985", "abapentin", "GABA", "G90", "Music City", "$"):
        assert phi not in text, phi


def test_a_receiver_answering_500_is_retried_with_backoff_then_delivered(app, book, receiver,
                                                                         runner):
    subscribe(app, book.firm_id, receiver.url, ["payoff_issued"])
    issue_payoff(app, book.case_id)
    receiver.answers = [500]
    start = clock.utcnow()
    clock.freeze(start)
    assert "webhooks: 0 sent, 1 to retry, 0 failed" in run_once(runner)
    [message] = calls(app)
    assert (message.status, message.attempts) == (rules.PENDING, 1)
    assert message.last_error == "the receiver answered HTTP 500"
    assert message.next_attempt_at == start + timedelta(minutes=1)
    run_once(runner)
    assert len(receiver.requests) == 1  # not due yet
    clock.freeze(start + timedelta(minutes=1))
    assert "webhooks: 1 sent" in run_once(runner)
    first, second = receiver.requests
    assert first.body == second.body  # the same delivery id, the same signed body
    assert first.headers["X-LienRx-Delivery"] == second.headers["X-LienRx-Delivery"]
    assert log(app) == [(1, "refused", 500), (2, "delivered", 204)]
    assert calls(app)[0].status == rules.SENT


def test_a_redirect_is_not_followed_and_is_retried(app, book, receiver, runner):
    subscribe(app, book.firm_id, receiver.url, ["payoff_issued"])
    issue_payoff(app, book.case_id)
    receiver.answers = [307]
    assert "webhooks: 0 sent, 1 to retry" in run_once(runner)
    assert len(receiver.requests) == 1
    assert log(app) == [(1, "refused", 307)]


def test_a_receiver_slower_than_the_timeout_is_retried(app, book, receiver, runner,
                                                       monkeypatch):
    monkeypatch.setattr(webhook_rules, "TIMEOUT_SECONDS", 0.2)
    receiver.delay = 1.0
    subscribe(app, book.firm_id, receiver.url, ["payoff_issued"])
    issue_payoff(app, book.case_id)
    assert "webhooks: 0 sent, 1 to retry, 0 failed" in run_once(runner)
    [message] = calls(app)
    assert (message.status, message.last_error) == (rules.PENDING, "no answer in time")
    assert log(app) == [(1, "timed_out", None)]


def test_a_refused_connection_is_retried_not_lost(app, book, runner):
    subscribe(app, book.firm_id, f"http://127.0.0.1:{free_port()}/hooks", ["payoff_issued"])
    issue_payoff(app, book.case_id)
    assert "webhooks: 0 sent, 1 to retry, 0 failed" in run_once(runner)
    [message] = calls(app)
    assert (message.status, message.last_error) == (rules.PENDING, "could not connect")
    assert log(app) == [(1, "unreachable", None)]


def test_the_call_is_given_up_after_the_last_attempt(app, book, runner):
    subscribe(app, book.firm_id, f"http://127.0.0.1:{free_port()}/hooks", ["payoff_issued"])
    issue_payoff(app, book.case_id)
    for _ in range(rules.MAX_ATTEMPTS):
        run_once(runner)
        [message] = calls(app)
        clock.freeze(message.next_attempt_at)
    assert (message.status, message.attempts) == (rules.FAILED, rules.MAX_ATTEMPTS)
    assert len(log(app)) == rules.MAX_ATTEMPTS


def test_a_deleted_subscription_is_given_up_and_not_called(app, book, receiver, runner):
    hook = subscribe(app, book.firm_id, receiver.url, ["payoff_issued"])
    issue_payoff(app, book.case_id)
    with app.app_context():
        attorney = db.session.scalar(sa.select(User).where(User.email == book.attorney_email))
        webhooks.delete(attorney, hook.id)
        db.session.commit()
    assert "webhooks: 0 sent, 0 to retry, 1 failed" in run_once(runner)
    [message] = calls(app)
    assert (message.status, message.last_error) == (rules.FAILED,
                                                     "the webhook subscription was deleted")
    assert receiver.requests == [] and log(app) == []


def test_a_case_moved_to_another_firm_is_not_told_to_the_old_firm(app, book, receiver,
                                                                  runner):
    subscribe(app, book.firm_id, receiver.url, ["payoff_issued"])
    issue_payoff(app, book.case_id)
    with app.app_context():
        db.session.execute(sa.text("UPDATE cases SET law_firm_id = :firm WHERE id = :case"),
                           {"firm": factories.law_firm().id, "case": book.case_id})
        db.session.commit()
    assert "1 failed" in run_once(runner)
    assert receiver.requests == []


def test_webhooks_are_delivered_while_mail_is_not_configured(app, book, receiver, runner):
    subscribe(app, book.firm_id, receiver.url, ["payoff_issued"])
    issue_payoff(app, book.case_id)
    result = runner.invoke(args=["notify", "run", "--once"])
    assert "mail is not configured" in result.output
    assert "webhooks: 1 sent" in result.output
    assert len(receiver.requests) == 1
    emails = [m for m in calls_all(app) if m.channel == rules.EMAIL]
    assert emails and all(m.status == rules.PENDING for m in emails)


def calls_all(app) -> list[OutboxMessage]:
    with app.app_context():
        found = list(db.session.scalars(sa.select(OutboxMessage)))
        db.session.expunge_all()
        return found
