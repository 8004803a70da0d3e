"""Compose the e-mail an outbox row stands for, when it is sent.

A message names the client by initials only, with the firm's file number, what happened and a
portal link (built from LIENRX_PUBLIC_URL): no full name, date of birth, drug or diagnosis, so
a mailbox that leaks leaks little.
"""

from __future__ import annotations

from collections.abc import Callable
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

from flask import current_app

from lienrx.cases.models import Case
from lienrx.core.links import public_url
from lienrx.dispensing.models import Dispense
from lienrx.extensions import db
from lienrx.outbox import preferences, rules
from lienrx.outbox.models import OutboxMessage
from lienrx.outbox.services import Undeliverable
from lienrx.reduction_requests import rules as request_rules
from lienrx.reduction_requests.models import ReductionRequest

CLOSE_OUTCOMES = {"closed": "paid", "closed_no_recovery": "closed with no recovery"}


def initials(first_name: str, last_name: str) -> str:
    """``"Jane", "Doe"`` → ``"J.D."``: how a message names the client."""
    return "".join(f"{part.strip()[0].upper()}." for part in (first_name, last_name)
                   if part.strip())


def _new_fill(case: Case, ref: int | None, payload: dict[str, object]) -> tuple[str, str]:
    dispense = db.session.get(Dispense, ref) if ref is not None else None
    which = f" (fill {dispense.fill_number})" if dispense is not None else ""
    return "New fill", f"A new fill{which} was dispensed and charged to the lien."


def _payoff(case: Case, ref: int | None, payload: dict[str, object]) -> tuple[str, str]:
    return "Payoff statement issued", "A payoff statement was issued; it is in the portal."


def _answered(case: Case, ref: int | None, payload: dict[str, object]) -> tuple[str, str]:
    request = db.session.get(ReductionRequest, ref) if ref is not None else None
    if request is None:
        raise Undeliverable("the reduction request is gone")
    # the answer this message is about, though the negotiation may have moved on since
    step = next((s for s in request.steps if s.number == payload.get("step")), None)
    answered = request_rules.DECISIONS.get(step.action, request.status) if step else request.status
    return ("Reduction request answered",
            f"Billing answered reduction request {request.acknowledgment_number}: "
            f"{answered}.")


def _closed(case: Case, ref: int | None, payload: dict[str, object]) -> tuple[str, str]:
    outcome = CLOSE_OUTCOMES.get(case.status, "closed")
    return "Case closed", f"The case was closed ({outcome})."


def _quiet(case: Case, ref: int | None, payload: dict[str, object]) -> tuple[str, str]:
    return ("Quiet lien", f"No fill has been dispensed for {payload.get('days')} days on this "
                          "active lien.")


WHAT_HAPPENED: dict[str, Callable[[Case, int | None, dict[str, object]], tuple[str, str]]] = {
    rules.NEW_FILL: _new_fill, rules.PAYOFF_ISSUED: _payoff,
    rules.REDUCTION_ANSWERED: _answered, rules.CASE_CLOSED: _closed, rules.QUIET_LIEN: _quiet,
}


def compose(message: OutboxMessage, sender: str) -> EmailMessage:
    """The e-mail for an outbox row, to its recipient if they still follow the case's firm
    and still want the event; otherwise :class:`Undeliverable`."""
    payload = message.payload
    event, case = str(payload.get("event")), db.session.get(Case, payload.get("case_id"))
    if case is None or event not in WHAT_HAPPENED:
        raise Undeliverable("the case or event is unknown")
    user = preferences.still_subscribed(int(str(payload.get("user_id"))), case.law_firm_id, event)
    if user is None:
        raise Undeliverable("the recipient no longer receives this case's notices")
    ref = payload.get("ref")
    what, happened = WHAT_HAPPENED[event](case, int(str(ref)) if ref is not None else None,
                                          payload)
    client = initials(case.patient.first_name, case.patient.last_name)
    file_number = case.firm_file_number
    about = f"{client}, your file {file_number}" if file_number else client
    email = EmailMessage()
    email["Subject"] = f"{what}: {about}"
    email["From"] = sender
    email["To"] = user.email
    email["Date"] = formatdate(localtime=False)
    email["Message-ID"] = make_msgid(domain=parseaddr(sender)[1].rpartition("@")[2] or None)
    email["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies
    pharmacy = current_app.config["LIENRX_PHARMACY_NAME"]
    email.set_content(
        f"Client {client}"
        + (f" (your file {file_number})" if file_number else " (no firm file number on record)")
        + f"\n\n{happened}\n\n"
        f"See the case in the portal: {public_url('portal.case_page', case_id=case.id)}\n\n"
        f"{pharmacy}\n"
        "You receive this because e-mail for this event is on in your portal preferences: "
        f"{public_url('portal.email_preferences')}\n")
    return email
