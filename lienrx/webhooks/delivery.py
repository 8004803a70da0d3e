"""Compose a webhook call from its outbox row, POST it, and log the attempt.

The body is composed when it is sent, from ids and codes only — the event, the case's id,
the firm's file number and status, what record the event is about and links — never a name,
date of birth, drug, diagnosis or amount: the receiving system fetches details through the
API, where the HIPAA authorization gates them. The body's bytes are signed with the
subscription's secret (HMAC-SHA256), so the receiver can tell a delivery is ours and whole.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import ssl
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from lienrx.cases.models import Case
from lienrx.core import clock
from lienrx.core.links import public_url
from lienrx.extensions import db
from lienrx.outbox.models import OutboxMessage, WebhookSubscription
from lienrx.outbox.services import Undeliverable
from lienrx.webhooks import rules
from lienrx.webhooks.models import WebhookDelivery


@dataclass(frozen=True)
class Call:
    """One webhook call, ready to send with no transaction open."""

    message_id: int
    subscription_id: int
    event: str
    attempt: int
    url: str
    body: bytes
    headers: dict[str, str]


@dataclass(frozen=True)
class Outcome:
    """How one attempt ended: an outcome of :data:`rules.OUTCOMES`, the receiver's status."""

    outcome: str
    status_code: int | None
    attempted_at: datetime
    duration_ms: int

    @property
    def delivered(self) -> bool:
        return self.outcome == rules.DELIVERED

    @property
    def reason(self) -> str:
        """What went wrong, for the outbox row and the log (no address, no server's words)."""
        if self.status_code is not None:
            return f"the receiver answered HTTP {self.status_code}"
        return rules.OUTCOMES[self.outcome].lower()


def signature(secret: str, body: bytes) -> str:
    """The ``X-LienRx-Signature`` value: ``sha256=`` and the hex HMAC-SHA256 of ``body``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _moment(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def body_of(message: OutboxMessage, case: Case) -> dict[str, Any]:
    """What a delivery tells: ids, codes and links only (no PHI)."""
    event = str(message.payload["event"])
    ref_type, ref = rules.REF_TYPES.get(event), message.payload.get("ref")
    return {
        "id": message.id,
        "event": event,
        "occurred_at": _moment(message.created_at),
        "case": {"id": case.id, "firm_file_number": case.firm_file_number,
                 "status": case.status},
        "ref": ({"type": ref_type, "id": ref} if ref_type is not None and ref is not None
                else {"type": "case", "id": case.id}),
        "links": {"portal": public_url("portal.case_page", case_id=case.id),
                  "api": public_url("cases_api.get_case", case_id=case.id)},
    }


def compose(message: OutboxMessage) -> Call:
    """The call an outbox row stands for, if its subscription is still active and the case
    still belongs to the subscription's firm; otherwise :class:`Undeliverable`."""
    payload = message.payload
    subscription = db.session.get(WebhookSubscription, payload.get("subscription_id"))
    if subscription is None or not subscription.active:
        raise Undeliverable("the webhook subscription was deleted")
    if rules.url_problem(subscription.url) is not None:
        raise Undeliverable("the webhook URL is not an http or https URL")
    case = db.session.get(Case, payload.get("case_id"))
    if case is None or case.law_firm_id != subscription.law_firm_id:
        raise Undeliverable("the case is no longer the subscribing firm's")
    body = json.dumps(body_of(message, case), separators=(",", ":")).encode()
    event = str(payload["event"])
    return Call(message_id=message.id, subscription_id=subscription.id, event=event,
                attempt=message.attempts, url=subscription.url, body=body, headers={
                    "Content-Type": "application/json",
                    "User-Agent": rules.USER_AGENT,
                    "X-LienRx-Event": event,
                    "X-LienRx-Delivery": str(message.id),
                    "X-LienRx-Signature": signature(subscription.secret, body)})


def _connection(url: str, timeout: float) -> tuple[http.client.HTTPConnection, str]:
    """A connection to the URL's host (TLS with certificate checks for https) and the path
    to POST to. Direct: no proxy, and a redirect is an answer like any other non-2xx."""
    parts = urlsplit(url)
    path = urlunsplit(("", "", parts.path or "/", parts.query, ""))
    if parts.scheme.lower() == "https":
        return http.client.HTTPSConnection(parts.hostname or "", parts.port, timeout=timeout,
                                           context=ssl.create_default_context()), path
    return http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=timeout), path


def post(call: Call) -> Outcome:
    """POST the call's body to its URL and say how it ended; never raises for the network."""
    attempted_at, started = clock.utcnow(), time.monotonic()

    def ended(outcome: str, status: int | None = None) -> Outcome:
        return Outcome(outcome, status, attempted_at, int((time.monotonic() - started) * 1000))

    connection, path = _connection(call.url, rules.TIMEOUT_SECONDS)
    try:
        connection.request("POST", path, body=call.body, headers=call.headers)
        response = connection.getresponse()
        response.read(1024)  # the receiver's words are not kept
        status = response.status
    except TimeoutError:
        return ended(rules.TIMED_OUT)
    except (OSError, http.client.HTTPException):
        return ended(rules.UNREACHABLE)
    finally:
        connection.close()
    return ended(rules.DELIVERED if rules.accepted(status) else rules.REFUSED, status)


def record_attempt(call: Call, outcome: Outcome) -> WebhookDelivery:
    """Log one attempt in the delivery log the firm sees (flushes, never commits)."""
    delivery = WebhookDelivery(
        subscription_id=call.subscription_id, outbox_message_id=call.message_id,
        event=call.event, attempt=call.attempt,
        attempted_at=outcome.attempted_at, outcome=outcome.outcome,
        status_code=outcome.status_code, duration_ms=outcome.duration_ms)
    db.session.add(delivery)
    db.session.flush()
    return delivery


def post_and_log(call: Call) -> str | None:
    """POST the call and log the attempt; None when delivered, else why not."""
    outcome = post(call)
    record_attempt(call, outcome)
    return None if outcome.delivered else outcome.reason
