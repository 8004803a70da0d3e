"""Read-side ledger queries: balances are sums of postings, never stored numbers."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from lienrx.extensions import db
from lienrx.ledger.models import JournalEntry, LedgerAccount, Posting, totals_from_sums


def receivable_code(case_id: int) -> str:
    """The code of a case's lien receivable account."""
    return f"lien_receivable:{case_id}"


def case_balances(case_ids: Iterable[int]) -> dict[int, int]:
    """Lien balance in cents for each case, in one query (cases with no postings: 0)."""
    ids = list(case_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(LedgerAccount.case_id, sa.func.coalesce(sa.func.sum(Posting.amount_cents), 0))
        .join(Posting, Posting.account_id == LedgerAccount.id)
        .where(LedgerAccount.case_id.in_(ids))
        .group_by(LedgerAccount.case_id)
    ).all()
    balances = dict.fromkeys(ids, 0)
    # only receivables have a case_id, and IN (...) already leaves out accounts without one
    balances.update({case_id: int(total) for case_id, total in rows if case_id is not None})
    return balances


def case_balance(case_id: int) -> int:
    """Lien balance of one case, in cents."""
    return case_balances([case_id])[case_id]


@dataclass(frozen=True)
class LedgerLine:
    """One entry as seen from a case's receivable: ``amount`` signed, + raises the balance."""

    id: int
    kind: str
    amount: int
    posted_at: datetime
    occurred_on: date
    memo: str
    dispense_id: int | None


def case_ledger(case_id: int) -> tuple[list[LedgerLine], dict[str, int]]:
    """Every entry on a case's receivable in posting order, and the totals by kind (positive)."""
    rows = db.session.execute(
        sa.select(JournalEntry.id, JournalEntry.kind, Posting.amount_cents,
                  JournalEntry.posted_at, JournalEntry.occurred_on, JournalEntry.memo,
                  JournalEntry.source_type, JournalEntry.source_id)
        .join(Posting, Posting.entry_id == JournalEntry.id)
        .join(LedgerAccount, LedgerAccount.id == Posting.account_id)
        .where(LedgerAccount.case_id == case_id)
        .order_by(JournalEntry.id)
    ).all()
    sums: dict[str, int] = {}
    lines = []
    for entry_id, kind, amount, posted_at, occurred_on, memo, source_type, source_id in rows:
        sums[kind] = sums.get(kind, 0) + amount
        lines.append(LedgerLine(entry_id, kind, amount, posted_at, occurred_on, memo,
                                source_id if source_type == "dispense" else None))
    return lines, totals_from_sums(sums)


def case_totals(case_id: int) -> tuple[int, dict[str, int]]:
    """A case's lien balance and its totals by kind (positive magnitudes), in one query."""
    sums = dict(db.session.execute(
        sa.select(JournalEntry.kind, sa.func.sum(Posting.amount_cents))
        .join(Posting, Posting.entry_id == JournalEntry.id)
        .join(LedgerAccount, LedgerAccount.id == Posting.account_id)
        .where(LedgerAccount.case_id == case_id)
        .group_by(JournalEntry.kind)).all())
    return sum(int(v) for v in sums.values()), totals_from_sums(sums)


@dataclass(frozen=True)
class LedgerRow:
    """A ledger entry with the balance after it."""

    occurred_on: date
    kind: str
    memo: str
    amount: int
    running: int


def running_ledger(case_id: int) -> tuple[list[LedgerRow], dict[str, int], int]:
    """The case's ledger in posting order with a running balance, its totals and balance."""
    lines, totals = case_ledger(case_id)
    rows, running = [], 0
    for line in lines:
        running += line.amount
        rows.append(LedgerRow(line.occurred_on, line.kind, line.memo, line.amount, running))
    return rows, totals, running
