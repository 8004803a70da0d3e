"""Reduction-request rules as data: methods, statuses, decisions and what each leads to."""

from __future__ import annotations

from lienrx.settlement.rules import AMOUNT, PERCENT

METHODS = (AMOUNT, PERCENT)
PENDING, ACCEPTED, COUNTERED, DECLINED = "pending", "accepted", "countered", "declined"
STATUSES = (PENDING, ACCEPTED, COUNTERED, DECLINED)

ACCEPT, COUNTER, DECLINE = "accept", "counter", "decline"
# decision -> the status the request takes
DECISIONS = {ACCEPT: ACCEPTED, COUNTER: COUNTERED, DECLINE: DECLINED}

REASON_MAX = 400  # the reason goes into the reduction's 500-character memo with a prefix
NOTE_MAX = 1000


def acknowledgment_number(year: int, request_id: int) -> str:
    """The number the firm quotes: RR-<year filed>-<id, six digits>."""
    return f"RR-{year}-{request_id:06d}"
