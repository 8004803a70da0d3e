"""The ledger invariants of SPEC §4.7, checked over the whole journal."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from lienrx.extensions import db
from lienrx.ledger.models import KIND_TOTALS, JournalEntry, LedgerAccount, Posting


@dataclass(frozen=True)
class Booked:
    """A record kept outside the ledger (a dispense, a payment) and the entry that booked it.

    The record froze an amount; its entry must be of ``kind``, belong to ``case_id``, move the
    case's receivable by exactly ``receivable_cents`` (signed: a charge adds, a payment
    subtracts) and, for a reversal, reverse ``reverses_entry_id``. The domains that keep such
    records list them (the ledger depends on no domain); ``lienrx ledger verify`` checks them.
    """

    record: str
    entry_id: int | None
    kind: str
    case_id: int
    receivable_cents: int
    reverses_entry_id: int | None = None


def check_ledger(booked: Iterable[Booked] = ()) -> tuple[int, list[str]]:
    """Return the number of entries checked and a description of every invariant broken,
    then of every record in ``booked`` whose entry does not book what the record froze."""
    problems: list[str] = []
    totals = db.session.execute(
        sa.select(JournalEntry.id, JournalEntry.kind, JournalEntry.reverses_entry_id,
                  sa.func.count(Posting.id), sa.func.coalesce(sa.func.sum(Posting.amount_cents), 0))
        .outerjoin(Posting, Posting.entry_id == JournalEntry.id)
        .group_by(JournalEntry.id, JournalEntry.kind, JournalEntry.reverses_entry_id)
        .order_by(JournalEntry.id)
    ).all()
    for entry_id, _kind, _reverses, count, total in totals:
        if count < 2:
            problems.append(f"entry {entry_id} has {count} posting(s); at least 2 are required")
        if total != 0:
            problems.append(f"entry {entry_id} does not sum to zero (off by {total} cents)")

    receivable_moves = db.session.execute(
        sa.select(JournalEntry.id, JournalEntry.kind, JournalEntry.case_id,
                  LedgerAccount.case_id, Posting.amount_cents)
        .join(Posting, Posting.entry_id == JournalEntry.id)
        .join(LedgerAccount, LedgerAccount.id == Posting.account_id)
        .where(LedgerAccount.kind == "lien_receivable")
    ).all()
    balances: dict[int, int] = {}
    for entry_id, kind, entry_case, account_case, amount in receivable_moves:
        if account_case is None:
            problems.append(f"entry {entry_id} posts to a receivable of no case")
            continue
        if entry_case != account_case:
            problems.append(f"entry {entry_id} of case {entry_case} posts to the receivable "
                            f"of case {account_case}")
        if kind != "reversal" and (amount > 0) != (KIND_TOTALS[kind][1] > 0):
            problems.append(f"entry {entry_id} ({kind}) moves the lien balance the wrong way")
        balances[account_case] = balances.get(account_case, 0) + amount
    for case_id, balance in sorted(balances.items()):
        if balance < 0:
            problems.append(f"case {case_id} has a negative lien balance ({balance} cents) "
                            "with no refund booked")

    original_entry = aliased(JournalEntry)
    reversals = db.session.execute(
        sa.select(JournalEntry.id, original_entry.id)
        .join(original_entry, original_entry.id == JournalEntry.reverses_entry_id)
    ).all()
    for entry_id, original_id in reversals:
        original = _legs(original_id)
        if {k: -v for k, v in original.items()} != _legs(entry_id):
            problems.append(f"entry {entry_id} does not exactly reverse entry {original_id}")
    problems += check_booked(booked)
    return len(totals), problems


def check_booked(booked: Iterable[Booked]) -> list[str]:
    """Compare each record's frozen amount with its journal entry; one problem per record,
    the first mismatch found, naming the record and the entry."""
    receivable = (sa.select(Posting.entry_id, sa.func.sum(Posting.amount_cents).label("cents"))
                  .join(LedgerAccount, LedgerAccount.id == Posting.account_id)
                  .where(LedgerAccount.kind == "lien_receivable")
                  .group_by(Posting.entry_id).subquery())
    entries = {entry_id: (kind, case_id, reverses, int(cents or 0))
               for entry_id, kind, case_id, reverses, cents in db.session.execute(
                   sa.select(JournalEntry.id, JournalEntry.kind, JournalEntry.case_id,
                             JournalEntry.reverses_entry_id, receivable.c.cents)
                   .outerjoin(receivable, receivable.c.entry_id == JournalEntry.id))}
    problems = []
    for item in booked:
        problem = _mismatch(item, entries.get(item.entry_id) if item.entry_id else None)
        if problem is not None:
            problems.append(f"{item.record}: {problem}")
    return problems


def _mismatch(item: Booked, entry: tuple[str, int, int | None, int] | None) -> str | None:
    if entry is None:
        return (f"no {item.kind} entry books it" if item.entry_id is None
                else f"its {item.kind} entry {item.entry_id} does not exist")
    kind, case_id, reverses, cents = entry
    name = f"entry {item.entry_id}"
    if kind != item.kind:
        return f"{name} is a {kind} entry, not a {item.kind} entry"
    if case_id != item.case_id:
        return f"{name} belongs to case {case_id}, the record to case {item.case_id}"
    if cents != item.receivable_cents:
        return (f"{name} moves the lien balance by {cents} cents; the record froze "
                f"{item.receivable_cents} cents")
    if reverses != item.reverses_entry_id:
        return f"{name} reverses entry {reverses}, not entry {item.reverses_entry_id}"
    return None


def _legs(entry_id: int) -> dict[int, int]:
    rows = db.session.execute(
        sa.select(Posting.account_id, sa.func.sum(Posting.amount_cents))
        .where(Posting.entry_id == entry_id).group_by(Posting.account_id)).all()
    return {account_id: int(total) for account_id, total in rows}
