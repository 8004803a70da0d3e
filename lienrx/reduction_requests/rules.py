"""Reduction-request rules as data: methods, statuses, decisions and what each leads to.

The negotiation is a loop (SPEC §7.8): the firm asks, billing accepts, declines or counters;
on a counter the attorney accepts it or counters again, which sends the request back to
billing. Every move is kept as a step.
"""

from __future__ import annotations

from lienrx.settlement.rules import AMOUNT, PERCENT

METHODS = (AMOUNT, PERCENT)
PENDING, ACCEPTED, COUNTERED, DECLINED = "pending", "accepted", "countered", "declined"
STATUSES = (PENDING, ACCEPTED, COUNTERED, DECLINED)

ACCEPT, COUNTER, DECLINE = "accept", "counter", "decline"
# billing's decision -> the status the request takes
DECISIONS = {ACCEPT: ACCEPTED, COUNTER: COUNTERED, DECLINE: DECLINED}
# the attorney's response to billing's counter -> the status the request takes
RESPONSES = {ACCEPT: ACCEPTED, COUNTER: PENDING}
# whose move each status waits for; accepted and declined requests wait for no one
WAITING_ON = {PENDING: "billing", COUNTERED: "attorney"}

ATTORNEY_SIDE, BILLING_SIDE = "attorney", "billing"
SIDES = (ATTORNEY_SIDE, BILLING_SIDE)
REQUEST = "request"  # the first step: the firm's ask as filed
STEP_ACTIONS = (REQUEST, COUNTER, ACCEPT, DECLINE)

REASON_MAX = 400  # the reason goes into the reduction's 500-character memo with a prefix
NOTE_MAX = 1000


def acknowledgment_number(year: int, request_id: int) -> str:
    """The number the firm quotes: RR-<year filed>-<id, six digits>."""
    return f"RR-{year}-{request_id:06d}"
