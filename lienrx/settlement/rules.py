"""Settlement rules as data: reduction methods, which cases take which money actions."""

from __future__ import annotations

from datetime import date

from lienrx.cases.rules import ACTIVE, CLOSED, CLOSED_NO_RECOVERY, ON_HOLD, SETTLED

AMOUNT, PERCENT, FINAL, PRO_RATA, CAP = "amount", "percent", "final", "pro_rata", "cap"
REDUCTION_METHODS = (AMOUNT, PERCENT, FINAL, PRO_RATA, CAP)
# methods whose `value` is money ("185.50"); the others take a percent, or nothing
MONEY_VALUE_METHODS = frozenset({AMOUNT, FINAL})
PERCENT_VALUE_METHODS = frozenset({PERCENT, CAP})
NEEDS_SETTLEMENT = frozenset({PRO_RATA, CAP})

# Case statuses that accept a reduction (API.md); closed cases take no adjustment at all.
REDUCIBLE_STATUSES = frozenset({ACTIVE, ON_HOLD, SETTLED})

# Close outcomes and the status each leads to.
PAID, NO_RECOVERY = "paid", "no_recovery"
CLOSE_OUTCOMES = {PAID: CLOSED, NO_RECOVERY: CLOSED_NO_RECOVERY}

VALID, VOID, EXPIRED = "valid", "void", "expired"


def payoff_status(*, superseded_by_entry: bool, valid_through: date, today: date) -> str:
    """A statement is void once the ledger moved after it, expired after its date."""
    if superseded_by_entry:
        return VOID
    return EXPIRED if today > valid_through else VALID
