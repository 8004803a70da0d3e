"""`lienrx notify …`: deliver the outbox (e-mail and webhook calls) and queue quiet-lien
notices.

Each message is claimed and composed in one short transaction, committed, then sent with no
transaction open (a slow mail server never holds a database lock), and its outcome recorded
in a second transaction.
"""

from __future__ import annotations

import logging
import time

import click
from flask import current_app
from flask.cli import with_appcontext

from lienrx.extensions import db
from lienrx.notifications import mail, messages, services
from lienrx.outbox import rules
from lienrx.outbox import services as outbox
from lienrx.outbox.tally import Tally
from lienrx.webhooks import cli as webhooks

log = logging.getLogger("lienrx.notifications.cli")

BATCH = 200  # messages one pass delivers at most before it looks at quiet liens again
POLL_SECONDS = 5  # the pause between passes when running until interrupted
QUIET_SCAN_SECONDS = 3600  # how often a running worker looks for newly quiet liens


def _mail_server() -> mail.SmtpServer | None:
    url = current_app.config.get("LIENRX_SMTP_URL")
    return mail.parse_smtp_url(url) if url else None


def deliver_due(server: mail.SmtpServer, sender: str, limit: int = BATCH) -> Tally:
    """Send the e-mails that are due, one claimed row at a time; commit each outcome."""
    tally = Tally()
    for _ in range(limit):
        message = outbox.claim((rules.EMAIL,))
        if message is None:
            db.session.commit()
            break
        message_id = message.id
        try:
            email = messages.compose(message, sender)
        except messages.Undeliverable as exc:
            outbox.record_failure(message_id, exc.reason, final=True)
            db.session.commit()
            tally.failed += 1
            continue
        db.session.commit()  # the claim holds from here: no other worker takes this row
        try:
            mail.send(server, email)
        except mail.SendFailed as exc:
            kept = outbox.record_failure(message_id, exc.reason)
            if kept.status == rules.FAILED:
                tally.failed += 1
            else:
                tally.retrying += 1
        else:
            outbox.record_sent(message_id)
            tally.sent += 1
        db.session.commit()
    return tally


def _queue_quiet_liens() -> int:
    queued = services.enqueue_quiet_liens(int(current_app.config["LIENRX_QUIET_LIEN_DAYS"]))
    db.session.commit()
    return queued


def _pass(server: mail.SmtpServer | None, sender: str, quiet: bool) -> None:
    if quiet:
        queued = _queue_quiet_liens()
        if queued:
            click.echo(f"queued {queued} quiet-lien e-mail(s)")
    if server is not None:
        tally = deliver_due(server, sender)
        if tally:
            click.echo(f"e-mail: {tally}")
    calls = webhooks.deliver_due()
    if calls:
        click.echo(f"webhooks: {calls}")


@click.group("notify")
def notify() -> None:
    """Notifications to attorneys and their firms' systems: the e-mail and webhook outbox."""


@notify.command("quiet-liens")
@with_appcontext
def quiet_liens() -> None:
    """Queue an e-mail for each lien that went quiet, once per quiet period."""
    click.echo(f"queued {_queue_quiet_liens()} quiet-lien e-mail(s)")


@notify.command("run")
@click.option("--once", is_flag=True, help="Deliver what is due and exit (for cron).")
@with_appcontext
def run(once: bool) -> None:
    """Queue quiet-lien notices and deliver due e-mails and webhook calls, retrying with
    backoff; loop until interrupted unless --once."""
    server = _mail_server()
    sender = str(current_app.config.get("LIENRX_MAIL_FROM") or "")
    if server is None:
        click.echo("mail is not configured (set LIENRX_SMTP_URL and LIENRX_MAIL_FROM): "
                   "e-mails stay pending", err=True)
    last_quiet_scan = None
    try:
        while True:
            now = time.monotonic()
            scan = last_quiet_scan is None or now - last_quiet_scan >= QUIET_SCAN_SECONDS
            _pass(server, sender, scan)
            last_quiet_scan = now if scan else last_quiet_scan
            if once:
                return
            time.sleep(POLL_SECONDS)
    except KeyboardInterrupt:
        db.session.rollback()
        click.echo("stopped")
