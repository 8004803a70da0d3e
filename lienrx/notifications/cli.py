"""`lienrx notify …`: deliver the outbox (e-mail and webhook calls, through
:mod:`lienrx.outbox.cli`) and queue quiet-lien notices."""

from __future__ import annotations

import time
from email.message import EmailMessage

import click
from flask import current_app
from flask.cli import with_appcontext

from lienrx.extensions import db
from lienrx.notifications import mail, messages, services
from lienrx.outbox import cli as worker
from lienrx.outbox import rules
from lienrx.outbox.cli import Tally
from lienrx.webhooks import delivery
from lienrx.webhooks import rules as webhook_rules

POLL_SECONDS = 5  # the pause between passes when running until interrupted
QUIET_SCAN_SECONDS = 3600  # how often a running worker looks for newly quiet liens


def _mail_server() -> mail.SmtpServer | None:
    url = current_app.config.get("LIENRX_SMTP_URL")
    return mail.parse_smtp_url(url) if url else None


def deliver_due(server: mail.SmtpServer, sender: str) -> Tally:
    """Send the e-mails that are due."""

    def send(email: EmailMessage) -> str | None:
        try:
            mail.send(server, email)
        except mail.SendFailed as exc:
            return exc.reason
        return None

    return worker.deliver_due(rules.EMAIL, lambda message: messages.compose(message, sender),
                              send)


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
    calls = worker.deliver_due(webhook_rules.CHANNEL, delivery.compose, delivery.post_and_log)
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
