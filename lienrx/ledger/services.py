"""Post balanced journal entries; correct them only by reversing entries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa

from lienrx.core import clock
from lienrx.core.actors import Actor, actor_id
from lienrx.core.errors import Conflict
from lienrx.extensions import db
from lienrx.ledger.models import JournalEntry, LedgerAccount, Posting
from lienrx.ledger.queries import receivable_code

REVENUE, CONTRA, WRITE_OFFS, CASH, REFUNDS = (
    "revenue:dispensing", "contra:reductions", "expense:write_offs", "cash:settlements",
    "liability:refunds")
_BOOK_KINDS = {REVENUE: "revenue", CONTRA: "contra", WRITE_OFFS: "expense", CASH: "cash",
               REFUNDS: "liability"}


class UnbalancedEntry(ValueError):
    """A journal entry whose postings do not sum to zero, or that has fewer than two."""


def _account(code: str, case_id: int | None = None) -> LedgerAccount:
    account = db.session.execute(
        sa.select(LedgerAccount).where(LedgerAccount.code == code)).scalar_one_or_none()
    if account is None:
        kind = "lien_receivable" if case_id is not None else _BOOK_KINDS[code]
        account = LedgerAccount(code=code, kind=kind, case_id=case_id)
        db.session.add(account)
        db.session.flush()
    return account


def accounts(case_id: int, *codes: str) -> list[LedgerAccount]:
    """The case's receivable and the named book accounts, in one query (created on first use)."""
    wanted = [receivable_code(case_id), *codes]
    found = {a.code: a for a in db.session.execute(
        sa.select(LedgerAccount).where(LedgerAccount.code.in_(wanted))).scalars()}
    return [found.get(code) or _account(code, case_id if i == 0 else None)
            for i, code in enumerate(wanted)]


def receivable(case_id: int) -> LedgerAccount:
    """The case's lien receivable account (created on first use)."""
    return _account(receivable_code(case_id), case_id)


def book(code: str) -> LedgerAccount:
    """One of the pharmacy's own accounts (revenue, contra, expense, cash, liability)."""
    return _account(code)


def post_entry(*, kind: str, case_id: int, occurred_on: date, memo: str,
               lines: Sequence[tuple[LedgerAccount, int]], actor: Actor | None = None,
               source: tuple[str, int] | None = None,
               reverses: JournalEntry | None = None) -> JournalEntry:
    """Write one entry: at least two non-zero postings in cents that sum to zero."""
    if len(lines) < 2 or any(amount == 0 for _, amount in lines):
        raise UnbalancedEntry("an entry needs at least two non-zero postings")
    if sum(amount for _, amount in lines) != 0:
        raise UnbalancedEntry("the postings of an entry must sum to zero")
    entry = JournalEntry(kind=kind, case_id=case_id, occurred_on=occurred_on, memo=memo,
                         posted_at=clock.utcnow(), actor_user_id=actor_id(actor),
                         source_type=source[0] if source else None,
                         source_id=source[1] if source else None,
                         reverses_entry_id=reverses.id if reverses else None)
    db.session.add(entry)
    db.session.flush()
    db.session.add_all(Posting(entry_id=entry.id, account_id=account.id, amount_cents=amount)
                       for account, amount in lines)
    db.session.flush()
    return entry


def reverse_entry(entry: JournalEntry, *, actor: Actor | None, memo: str,
                  occurred_on: date | None = None) -> JournalEntry:
    """Post the exact negation of ``entry``; an entry is reversed at most once (409)."""
    already = db.session.execute(
        sa.select(JournalEntry.id).where(JournalEntry.reverses_entry_id == entry.id)).first()
    if already is not None:
        raise Conflict("already_reversed", "This entry has already been reversed.")
    accounts = {a.id: a for a in db.session.execute(
        sa.select(LedgerAccount).where(
            LedgerAccount.id.in_([p.account_id for p in entry.postings]))).scalars()}
    return post_entry(kind="reversal", case_id=entry.case_id,
                      occurred_on=occurred_on or clock.today(), memo=memo,
                      lines=[(accounts[p.account_id], -p.amount_cents) for p in entry.postings],
                      actor=actor, source=(entry.source_type, entry.source_id)
                      if entry.source_type and entry.source_id is not None else None,
                      reverses=entry)
