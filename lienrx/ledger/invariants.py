"""The ledger invariants of SPEC §4.7, checked over the whole journal."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from lienrx.extensions import db
from lienrx.ledger.models import KIND_TOTALS, JournalEntry, LedgerAccount, Posting


def check_ledger() -> tuple[int, list[str]]:
    """Return the number of entries checked and a description of every invariant broken."""
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
    return len(totals), problems


def _legs(entry_id: int) -> dict[int, int]:
    rows = db.session.execute(
        sa.select(Posting.account_id, sa.func.sum(Posting.amount_cents))
        .where(Posting.entry_id == entry_id).group_by(Posting.account_id)).all()
    return {account_id: int(total) for account_id, total in rows}
