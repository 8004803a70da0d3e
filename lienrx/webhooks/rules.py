"""What a webhook subscription may be, what a delivery carries and how it is judged."""

from __future__ import annotations

from urllib.parse import urlsplit

from lienrx.outbox import rules as outbox_rules

CHANNEL = outbox_rules.WEBHOOK  # the outbox channel webhook calls travel on
EVENTS = outbox_rules.EVENTS  # a firm subscribes to the events attorneys are e-mailed about

SCHEMES = ("http", "https")
URL_MAX_LENGTH = outbox_rules.WEBHOOK_URL_MAX_LENGTH
SECRET_BYTES = 32  # 256 bits: the HMAC-SHA256 key, shown to the firm once
TIMEOUT_SECONDS = 10  # a receiver slower than this is tried again later
USER_AGENT = "LienRx-Webhooks"

# What each event's `ref.id` names (None: the event is about the case itself).
REF_TYPES: dict[str, str | None] = {
    outbox_rules.NEW_FILL: "dispense",
    outbox_rules.PAYOFF_ISSUED: "payoff_statement",
    outbox_rules.REDUCTION_ANSWERED: "reduction_request",
    outbox_rules.CASE_CLOSED: None,
    outbox_rules.QUIET_LIEN: None,
}

# How an attempt ended, as the delivery log shows it.
DELIVERED, REFUSED, UNREACHABLE, TIMED_OUT = "delivered", "refused", "unreachable", "timed_out"
OUTCOMES = {
    DELIVERED: "Delivered",
    REFUSED: "Refused by the receiver",
    UNREACHABLE: "Could not connect",
    TIMED_OUT: "No answer in time",
}


def accepted(status: int) -> bool:
    """Whether the receiver's HTTP status means it took the delivery (any 2xx)."""
    return 200 <= status < 300


def url_problem(url: str) -> str | None:
    """Why ``url`` cannot receive webhooks, or None when it can: an http or https URL with a
    host, no user name or password in it, at most :data:`URL_MAX_LENGTH` characters."""
    if len(url) > URL_MAX_LENGTH:
        return f"The URL is longer than {URL_MAX_LENGTH} characters."
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in url):
        return "The URL holds spaces or control characters."
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - a port that is not a number raises here
    except ValueError:
        return "Not a valid URL."
    if parts.scheme.lower() not in SCHEMES:
        return "Use an http:// or https:// URL."
    if not parts.hostname:
        return "The URL names no host."
    if parts.username is not None or parts.password is not None:
        return ("Leave the user name and password out of the URL: the signature with the "
                "secret shows a delivery is ours.")
    return None


def events_problem(events: list[str]) -> str | None:
    """Why ``events`` cannot be subscribed to, or None: at least one, each a known event."""
    if not events:
        return "Choose at least one event."
    unknown = [e for e in events if e not in EVENTS]
    if unknown:
        return f"Unknown event {unknown[0]!r}; choose from {', '.join(EVENTS)}."
    return None
