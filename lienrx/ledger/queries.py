"""Read-side ledger queries: balances are sums of postings, never stored numbers."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from lienrx.core.paging import DEFAULT_PAGE_SIZE, AnySelect, Page
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
    """One entry as seen from a case's receivable: ``amount`` signed, + raises the balance;
    ``running`` is the balance after it."""

    id: int
    kind: str
    amount: int
    posted_at: datetime
    occurred_on: date
    memo: str
    dispense_id: int | None
    running: int


@dataclass(frozen=True)
class CaseLedger:
    """A case's ledger: balance and totals (positive magnitudes, by total name) over every
    entry, and one page of the entries in posting order with the count of them all."""

    case_id: int
    balance: int
    totals: dict[str, int]
    entries: Page[LedgerLine]


# The ledger's statements are built once, with bound parameters (``case_id``; ``limit`` and
# ``offset`` for a page): each request only binds values, so reading a page costs no more in
# Python than the rows it returns.
_CASE = sa.bindparam("case_id", type_=sa.Integer)
_RECEIVABLE = (sa.select(LedgerAccount.id).where(LedgerAccount.case_id == _CASE)
               .scalar_subquery())

# Signed receivable sum and number of entries by entry kind: one aggregate. The receivable's
# postings and the case's entries are both read in posting order from their indexes and merged
# (an entry of a case posts only to that case's receivable: ``lienrx ledger verify`` checks it).
_SUMS_BY_KIND = (
    sa.select(JournalEntry.kind, sa.func.sum(Posting.amount_cents), sa.func.count())
    .select_from(Posting).join(JournalEntry, JournalEntry.id == Posting.entry_id)
    .where(Posting.account_id == _RECEIVABLE, JournalEntry.case_id == _CASE)
    .group_by(JournalEntry.kind))


def _lines(*, paged: bool) -> AnySelect:
    """The case's entries on its receivable in posting order, each with the balance after it
    (``paged``: from ``offset``, at most ``limit`` of them).

    The receivable's postings are counted off in posting order (with the running balance)
    before any entry is read, so a page reads only its own entries.
    """
    legs = (sa.select(Posting.entry_id, Posting.amount_cents,
                      sa.func.sum(Posting.amount_cents).over(order_by=Posting.entry_id)
                      .label("running"))
            .where(Posting.account_id == _RECEIVABLE).order_by(Posting.entry_id))
    if paged:
        legs = legs.limit(sa.bindparam("limit", type_=sa.Integer)).offset(
            sa.bindparam("offset", type_=sa.Integer))
    found = legs.subquery("legs")
    return (
        sa.select(JournalEntry.id, JournalEntry.kind, found.c.amount_cents,
                  JournalEntry.posted_at, JournalEntry.occurred_on, JournalEntry.memo,
                  sa.case((JournalEntry.source_type == "dispense", JournalEntry.source_id),
                          else_=None),
                  found.c.running)
        .join(found, found.c.entry_id == JournalEntry.id)
        .order_by(found.c.entry_id))


_PAGE, _EVERY_LINE = _lines(paged=True), _lines(paged=False)


def _sums_by_kind(case_id: int) -> dict[str, tuple[int, int]]:
    """Signed receivable sum and number of entries by entry kind."""
    rows = db.session.execute(_SUMS_BY_KIND, {"case_id": case_id}).all()
    return {kind: (int(total), int(count)) for kind, total, count in rows}


def case_totals(case_id: int) -> tuple[int, dict[str, int]]:
    """A case's lien balance and its totals by kind (positive magnitudes), in one query."""
    sums = {kind: total for kind, (total, _) in _sums_by_kind(case_id).items()}
    return sum(sums.values()), totals_from_sums(sums)


def _line(row: Any) -> LedgerLine:
    entry_id, kind, amount, posted_at, occurred_on, memo, dispense_id, running = row
    return LedgerLine(entry_id, kind, int(amount), posted_at, occurred_on, memo, dispense_id,
                      int(running))


def case_ledger(case_id: int, *, page: int = 1,
                page_size: int = DEFAULT_PAGE_SIZE) -> CaseLedger:
    """Balance and totals over the whole ledger (one aggregate query, which also counts the
    entries) and page ``page`` of its entries (one query for that page's rows only)."""
    sums = _sums_by_kind(case_id)
    count = sum(n for _, n in sums.values())
    page, page_size = max(1, page), max(1, page_size)
    offset = (page - 1) * page_size
    rows = [] if offset >= count else [_line(row) for row in db.session.execute(
        _PAGE, {"case_id": case_id, "limit": page_size, "offset": offset})]
    return CaseLedger(case_id, sum(total for total, _ in sums.values()),
                      totals_from_sums({kind: total for kind, (total, _) in sums.items()}),
                      Page(rows, count, page, page_size))


STREAM_BATCH = 1000  # rows fetched at a time when streaming a whole ledger


def ledger_lines(case_id: int) -> Iterator[LedgerLine]:
    """Every entry of the case's ledger in posting order, read from a server-side cursor a
    batch at a time, so memory does not grow with the ledger."""
    result = db.session.execute(_EVERY_LINE.execution_options(yield_per=STREAM_BATCH),
                                {"case_id": case_id})
    with result:
        for row in result:
            yield _line(row)
