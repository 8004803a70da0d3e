"""A/R aging (SPEC §7.8): each owing case's balance, by law firm, in the bucket of the age of
its first unpaid charge.

Credits (payments, reductions, write-offs, reversals) consume the oldest debits (charges,
and refunds owed) first, so the first unpaid charge is the oldest debit whose running total
exceeds everything credited. Only entries that occurred on or before ``as_of`` count, so an
aging as of a past day reads as it stood then. The whole report is one query (window sums
over each case's receivable legs), whatever the number of cases.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa

from lienrx.cases.models import Case
from lienrx.extensions import db
from lienrx.ledger.models import JournalEntry, LedgerAccount, Posting
from lienrx.parties.models import LawFirm
from lienrx.reports.rules import BUCKET_NAMES, BUCKETS, OWING_STATUSES


@dataclass(frozen=True)
class FirmAging:
    """One firm's owed balances by age bucket (cents), and their total."""

    law_firm_id: int
    law_firm: str
    buckets: dict[str, int]
    total: int


def _legs(as_of: date, law_firm_id: int | None) -> Any:
    """Every receivable posting of an owing case up to ``as_of``, with its entry's date."""
    query = (sa.select(LedgerAccount.case_id.label("case_id"), JournalEntry.occurred_on,
                       JournalEntry.id.label("entry_id"), Posting.amount_cents.label("amount"))
             .join(Posting, Posting.account_id == LedgerAccount.id)
             .join(JournalEntry, JournalEntry.id == Posting.entry_id)
             .join(Case, Case.id == LedgerAccount.case_id)
             .where(LedgerAccount.kind == "lien_receivable", JournalEntry.occurred_on <= as_of,
                    Case.status.in_(OWING_STATUSES)))
    if law_firm_id is not None:
        query = query.where(Case.law_firm_id == law_firm_id)
    return query.subquery("legs")


def _owed_cases(as_of: date, law_firm_id: int | None) -> Any:
    """Each case with a balance owed: its balance and the date of its first unpaid charge.

    One pass over the case's legs: beside each debit, the debits up to it (oldest first), all
    the case's credits and its balance; the first unpaid charge is the oldest debit whose
    running total exceeds the credits.
    """
    legs = _legs(as_of, law_firm_id)
    case = {"partition_by": legs.c.case_id}
    debit = sa.case((legs.c.amount > 0, legs.c.amount), else_=0)
    credit = sa.case((legs.c.amount < 0, -legs.c.amount), else_=0)
    running = (sa.select(
        legs.c.case_id, legs.c.occurred_on, legs.c.amount,
        sa.func.sum(debit).over(**case, order_by=(legs.c.occurred_on, legs.c.entry_id),
                                rows=(None, 0)).label("through"),
        sa.func.sum(credit).over(**case).label("paid"),
        sa.func.sum(legs.c.amount).over(**case).label("balance"))
        .subquery("running"))
    return (sa.select(running.c.case_id, sa.func.max(running.c.balance).label("balance"),
                      sa.func.min(running.c.occurred_on).label("first_unpaid"))
            .where(running.c.amount > 0, running.c.balance > 0,
                   running.c.through > running.c.paid)
            .group_by(running.c.case_id).subquery("owed"))


def _bucket(first_unpaid: Any, as_of: date) -> Any:
    """The bucket name of a first-unpaid date: an age of at most ``last`` days means a date on
    or after ``as_of`` − ``last``."""
    return sa.case(*[(first_unpaid >= as_of - timedelta(days=b.last), b.name)
                     for b in BUCKETS if b.last is not None], else_=BUCKETS[-1].name)


def aging(as_of: date, law_firm_id: int | None = None) -> list[FirmAging]:
    """Every firm with a balance owed as of ``as_of`` (or the one firm), by firm name."""
    owed = _owed_cases(as_of, law_firm_id)
    bucket = _bucket(owed.c.first_unpaid, as_of).label("bucket")
    sums = (sa.select(Case.law_firm_id, bucket, sa.func.sum(owed.c.balance).label("owed"))
            .join(Case, Case.id == owed.c.case_id)
            .group_by(Case.law_firm_id, bucket).subquery("sums"))
    rows = db.session.execute(
        sa.select(sums.c.law_firm_id, LawFirm.name, sums.c.bucket, sums.c.owed)
        .join(LawFirm, LawFirm.id == sums.c.law_firm_id)
        .order_by(LawFirm.name, LawFirm.id)).all()
    firms: dict[int, FirmAging] = {}
    for firm_id, name, bucket_name, owed_cents in rows:
        firm = firms.setdefault(firm_id, FirmAging(firm_id, name, dict.fromkeys(BUCKET_NAMES, 0),
                                                   0))
        firm.buckets[bucket_name] += int(owed_cents)
    return [FirmAging(f.law_firm_id, f.law_firm, f.buckets, sum(f.buckets.values()))
            for f in firms.values()]


def bucket_totals(firms: list[FirmAging]) -> FirmAging:
    """The totals row: every firm's buckets added up (``law_firm_id`` 0, no firm)."""
    buckets = {name: sum(f.buckets[name] for f in firms) for name in BUCKET_NAMES}
    return FirmAging(0, "All firms", buckets, sum(buckets.values()))
