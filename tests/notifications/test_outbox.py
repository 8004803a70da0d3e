"""SPEC §7.8: e-mail notifications from an outbox written in the change's transaction and
delivered by `lienrx notify run` through a real SMTP server, with retries and backoff."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from lienrx.auth.models import User
from lienrx.core import clock
from lienrx.extensions import db
from lienrx.notifications import cli as notify_cli
from lienrx.outbox import rules
from lienrx.outbox import services as outbox
from lienrx.outbox.models import OutboxMessage
from lienrx.reduction_requests import services as reduction_requests
from lienrx.settlement import payoff
from lienrx.settlement import services as settlement
from tests import factories
from tests.notifications.conftest import free_port
from tests.portal.conftest import csrf_token, fill, sign_in


def run_once(runner):
    result = runner.invoke(args=["notify", "run", "--once"])
    assert result.exit_code == 0, result.output
    return result.output


def messages(app) -> list[OutboxMessage]:
    with app.app_context():
        found = list(db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))
        db.session.expunge_all()
        return found


def test_a_request_that_rolls_back_sends_nothing(app, client, book, mail_on, runner,
                                                 monkeypatch):
    run_once(runner)  # the book's two fills
    mail_on.messages.clear()
    counsel = sign_in(client, book.attorney_email)
    token = csrf_token(counsel.get(f"/portal/cases/{book.case_id}").get_data(as_text=True))

    def broken(statement):
        raise RuntimeError("the page failed after the statement was written")

    monkeypatch.setattr(payoff, "view", broken)
    assert counsel.post(f"/portal/cases/{book.case_id}/payoff-statements",
                        data={"csrf_token": token}).status_code == 500
    assert [m.payload["event"] for m in messages(app)] == [rules.NEW_FILL] * 2
    run_once(runner)
    assert mail_on.messages == []


def test_a_request_that_commits_sends_its_email(app, client, book, mail_on, runner):
    run_once(runner)
    mail_on.messages.clear()
    counsel = sign_in(client, book.attorney_email)
    token = csrf_token(counsel.get(f"/portal/cases/{book.case_id}").get_data(as_text=True))
    assert counsel.post(f"/portal/cases/{book.case_id}/payoff-statements",
                        data={"csrf_token": token}).status_code == 302
    assert "1 sent" in run_once(runner)
    assert [m["Subject"] for m in mail_on.messages] == [
        f"Payoff statement issued: J.R., your file {book.file_number}"]


def test_each_event_is_emailed_to_the_firms_attorneys(app, book, mail_on, runner):
    with app.app_context():
        partner = factories.user("attorney", firm_id=book.firm_id)
        outsider = factories.user("attorney", firm_id=factories.law_firm().id)
        clerk = factories.user("billing")
        filed = reduction_requests.file_request(partner, book.case_id, method="amount",
                                                value=1_000, reason="hardship")
        db.session.commit()
        payoff.issue_statement(clerk, book.case_id)
        reduction_requests.answer_request(clerk, filed.id, decision="decline")
        settlement.record_payment(clerk, book.case_id, amount=10_500,
                                  received_on=clock.today(), reference="CHK 7")
        settlement.close_case(clerk, book.case_id, outcome="paid")
        db.session.commit()
        number, partner_email, outsider_email = (filed.acknowledgment_number, partner.email,
                                                 outsider.email)
    # the book's two fills went out before the partner joined; the rest go to both
    assert "8 sent, 0 to retry, 0 failed" in run_once(runner)
    sent = sorted((m["To"], m["Subject"].split(":")[0]) for m in mail_on.messages)
    later = ["Case closed", "Payoff statement issued", "Reduction request answered"]
    assert [s for t, s in sent if t == book.attorney_email] == sorted(later + ["New fill"] * 2)
    assert [s for t, s in sent if t == partner_email] == later
    assert outsider_email not in {t for t, _ in sent}
    said = {m["Subject"].split(":")[0]: m.get_content() for m in mail_on.messages}
    assert (f"Billing answered reduction request {number}: declined."
            in said["Reduction request answered"])
    assert "The case was closed (paid)." in said["Case closed"]
    assert all(m.status == rules.SENT and m.sent_at for m in messages(app))


def test_the_email_names_only_initials_file_number_what_happened_and_a_portal_link(
        app, book, mail_on, runner):
    run_once(runner)
    message = mail_on.messages[0]
    body = message.get_content()
    assert message["Subject"] == f"New fill: J.R., your file {book.file_number}"
    assert message["From"] == "LienRx <notifications@pharmacy.example>"
    assert "Client J.R. (your file " + book.file_number + ")" in body
    assert "A new fill (fill 1) was dispensed and charged to the lien." in body
    with app.app_context():
        public = app.config["LIENRX_PUBLIC_URL"]
    assert f"{public}/portal/cases/{book.case_id}" in body
    whole = message.as_string()
    first, last = book.client_name.split(" ")
    for phi in (book.client_name, first, last, "1985-03-14", "03/14/1985", "1985",
                "abapentin", "GABA", "G90.511", "G90", "Music City"):
        assert phi not in whole, phi


def test_a_refusing_server_is_retried_with_backoff_not_lost(app, book, mail_on, runner):
    mail_on.refuse = "451 4.3.0 Try again later"
    start = clock.utcnow()
    clock.freeze(start)
    output = run_once(runner)
    assert "0 sent, 2 to retry" in output
    first = messages(app)[0]
    assert (first.status, first.attempts) == (rules.PENDING, 1)
    assert first.last_error == "SMTP server refused the message (451)"
    assert first.next_attempt_at == start + timedelta(minutes=1)
    tries = mail_on.tries
    run_once(runner)
    assert mail_on.tries == tries  # not due yet
    mail_on.refuse = None
    clock.freeze(start + timedelta(minutes=1))
    assert "2 sent" in run_once(runner)
    assert len(mail_on.messages) == 2
    assert [(m.status, m.attempts, m.last_error) for m in messages(app)] == [
        (rules.SENT, 2, None)] * 2


def test_backoff_grows_then_the_message_is_failed(app, book, runner, monkeypatch):
    monkeypatch.setitem(app.config, "LIENRX_SMTP_URL", f"smtp://127.0.0.1:{free_port()}")
    monkeypatch.setitem(app.config, "LIENRX_MAIL_FROM", "notifications@pharmacy.example")
    start = clock.utcnow()
    clock.freeze(start)
    waits = []
    for _ in range(rules.MAX_ATTEMPTS):
        run_once(runner)
        row = messages(app)[0]
        waits.append(row.next_attempt_at - clock.utcnow())
        clock.freeze(row.next_attempt_at)
    assert waits[:5] == [timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30),
                         timedelta(hours=2), timedelta(hours=12)]
    row = messages(app)[0]
    assert (row.status, row.attempts) == (rules.FAILED, rules.MAX_ATTEMPTS)
    assert row.last_error == "SMTP server unreachable (ConnectionRefusedError)"
    run_once(runner)
    assert messages(app)[0].attempts == rules.MAX_ATTEMPTS  # a failed message is left alone


def test_without_smtp_url_mail_is_not_configured_and_stays_pending(app, book, runner):
    assert app.config.get("LIENRX_SMTP_URL") is None
    result = runner.invoke(args=["notify", "run", "--once"])
    assert result.exit_code == 0
    assert "mail is not configured" in result.output
    assert [(m.status, m.attempts) for m in messages(app)] == [(rules.PENDING, 0)] * 2


def test_notify_run_without_once_loops_until_interrupted(app, book, mail_on, runner,
                                                        monkeypatch):
    naps = []

    def sleep(seconds):
        naps.append(seconds)
        if len(naps) == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(notify_cli.time, "sleep", sleep)
    result = runner.invoke(args=["notify", "run"])
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith("stopped")
    assert naps == [notify_cli.POLL_SECONDS] * 2
    assert len(mail_on.messages) == 2


def test_an_attorney_who_left_the_firm_is_not_emailed(app, book, mail_on, runner):
    with app.app_context():
        attorney = db.session.scalar(sa.select(User).where(User.email == book.attorney_email))
        attorney.active = False
        db.session.commit()
    assert "0 sent, 0 to retry, 2 failed" in run_once(runner)
    assert mail_on.messages == []
    assert {m.last_error for m in messages(app)} == {
        "the recipient no longer receives this case's notices"}


def test_log_lines_and_last_error_hold_no_phi_or_address(app, book, mail_on, runner, caplog):
    mail_on.refuse_recipients = "550 5.1.1 <{address}> Jordan Rivera is unknown here"
    with caplog.at_level(logging.DEBUG):
        run_once(runner)
    row = messages(app)[0]
    assert row.last_error == "SMTP server refused the recipient (550)"
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("lienrx"))
    assert "outbox message 1 not delivered (attempt 1)" in ours
    first, last = book.client_name.split(" ")
    for secret in (book.attorney_email, "@", first, last, "J.R.", book.file_number,
                   "Jordan Rivera", "dispensed"):
        assert secret not in ours, secret
        assert secret not in row.last_error


def test_quiet_lien_is_queued_once_per_quiet_period(app, book, mail_on, runner, monkeypatch):
    monkeypatch.setitem(app.config, "LIENRX_QUIET_LIEN_DAYS", 20)  # the last fill: 20 days ago
    run_once(runner)
    assert runner.invoke(args=["notify", "quiet-liens"]).output == \
        "queued 0 quiet-lien e-mail(s)\n"
    quiet = [m for m in mail_on.messages if m["Subject"].startswith("Quiet lien")]
    assert len(quiet) == 1
    assert "No fill has been dispensed for 20 days on this active lien." in quiet[0].get_content()
    clock.freeze(clock.utcnow() + timedelta(days=15))
    with app.app_context():  # a fill ends the quiet period; 20 days on a new one starts
        fill(book.pharmacist_id, book.rx_id, 0)
        db.session.commit()
    assert runner.invoke(args=["notify", "quiet-liens"]).output == \
        "queued 0 quiet-lien e-mail(s)\n"
    clock.freeze(clock.utcnow() + timedelta(days=20))
    assert runner.invoke(args=["notify", "quiet-liens"]).output == \
        "queued 1 quiet-lien e-mail(s)\n"
    run_once(runner)
    assert len([m for m in mail_on.messages if m["Subject"].startswith("Quiet lien")]) == 2


def test_claimed_rows_wait_for_their_next_attempt(app, book):
    with app.app_context():
        first = outbox.claim((rules.EMAIL,))
        db.session.commit()
        second = outbox.claim((rules.EMAIL,))
        db.session.commit()
        assert first is not None and second is not None and first.id != second.id
        assert outbox.claim((rules.EMAIL,)) is None


@pytest.mark.postgres_only
def test_two_workers_never_claim_the_same_row(app, book):
    """Worker A holds its claim open; worker B, on its own connection, skips the locked row."""
    claimed_a, b_done, results = threading.Event(), threading.Event(), {}

    def worker_a():
        with app.app_context():
            results["a"] = outbox.claim((rules.EMAIL,)).id
            claimed_a.set()
            b_done.wait(10)
            db.session.commit()

    def worker_b():
        claimed_a.wait(10)
        with app.app_context():
            row = outbox.claim((rules.EMAIL,))
            results["b"] = row.id if row is not None else None
            db.session.commit()
        b_done.set()

    threads = [threading.Thread(target=worker_a), threading.Thread(target=worker_b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert results["a"] is not None and results["b"] is not None
    assert results["a"] != results["b"]


@pytest.mark.postgres_only
def test_concurrent_workers_send_each_message_once(app, book, mail_on):
    with app.app_context():
        for _ in range(10):
            outbox.enqueue_event(rules.CASE_CLOSED, book.case_id)
        db.session.commit()
    server = notify_cli.mail.parse_smtp_url(app.config["LIENRX_SMTP_URL"])
    barrier = threading.Barrier(3)

    def worker():
        with app.app_context():
            barrier.wait()
            notify_cli.deliver_due(server, app.config["LIENRX_MAIL_FROM"])

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(mail_on.messages) == 12
    ids = [m["Message-ID"] for m in mail_on.messages]
    assert len(set(ids)) == 12
    assert {m.status for m in messages(app)} == {rules.SENT}
