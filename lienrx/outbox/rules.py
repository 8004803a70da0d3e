"""The events an attorney can be told about, and how the outbox retries a delivery."""

from __future__ import annotations

from datetime import timedelta

NEW_FILL, PAYOFF_ISSUED, REDUCTION_ANSWERED, CASE_CLOSED, QUIET_LIEN = (
    "new_fill", "payoff_issued", "reduction_answered", "case_closed", "quiet_lien")
# event -> what the preferences page calls it; every event is on until the attorney turns it off
EVENTS = {
    NEW_FILL: "A new fill is dispensed",
    PAYOFF_ISSUED: "A payoff statement is issued",
    REDUCTION_ANSWERED: "A reduction request is answered",
    CASE_CLOSED: "A case is closed",
    QUIET_LIEN: "A lien goes quiet (no fill for a while)",
}

EMAIL, WEBHOOK = "email", "webhook"  # WEBHOOK: a call to a firm's registered URL (SPEC §7.8)
CHANNELS = (EMAIL, WEBHOOK)
WEBHOOK_URL_MAX_LENGTH = 500
PENDING, SENT, FAILED = "pending", "sent", "failed"
STATUSES = (PENDING, SENT, FAILED)

# The wait after each failed attempt; after the last one the message is given up (failed).
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30),
           timedelta(hours=2), timedelta(hours=12))
MAX_ATTEMPTS = len(BACKOFF) + 1


def retry_after(attempts: int) -> timedelta:
    """How long to wait before trying again once ``attempts`` attempts have been made."""
    return BACKOFF[min(attempts, len(BACKOFF)) - 1]
