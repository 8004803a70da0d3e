"""Read-side settlement queries over the ledger: charge lines, totals by kind, settlements.

Everything here is a sum or a listing of journal postings on a case's receivable: nothing is
a stored total that could drift from the ledger.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from lienrx.extensions import db
from lienrx.ledger.invariants import Booked
from lienrx.ledger.models import (
    ENTRY_KINDS,
    JournalEntry,
    LedgerAccount,
    Posting,
    totals_from_sums,
)
from lienrx.settlement.models import Payment, Reduction, Settlement

CHARGE_LINE_COLUMNS = ("entry_id", "case_id", "occurred_on", "description", "amount",
                       "dispense_id", "reversal_entry_id", "reversed_on")


def receivable_legs() -> sa.Select[JournalEntry, int]:
    """Journal entries joined to their posting on the case's receivable (signed cents)."""
    return (sa.select(JournalEntry, Posting.amount_cents)
            .join(Posting, Posting.entry_id == JournalEntry.id)
            .join(LedgerAccount, sa.and_(LedgerAccount.id == Posting.account_id,
                                         LedgerAccount.kind == "lien_receivable")))


def charge_lines_select(case_ids: sa.Select[Any] | Iterable[int]) -> sa.Select[Any]:
    """The itemised charge lines (one per `charge` entry) of the given cases, in date order.

    Columns: ``CHARGE_LINE_COLUMNS``. This is the one place that describes a charge line;
    dispensing extends it with the fill (product, quantity, NDC or lot) by outer-joining
    ``dispenses`` on ``dispense_id`` and adding labelled columns — the payoff statement and
    the reconciliation's Charges sheet both read it.
    """
    reversal = aliased(JournalEntry)
    ids = case_ids if isinstance(case_ids, sa.Select) else list(case_ids)
    return (
        sa.select(
            JournalEntry.id.label("entry_id"),
            JournalEntry.case_id.label("case_id"),
            JournalEntry.occurred_on.label("occurred_on"),
            JournalEntry.memo.label("description"),
            Posting.amount_cents.label("amount"),
            sa.case((JournalEntry.source_type == "dispense", JournalEntry.source_id),
                    else_=None).label("dispense_id"),
            reversal.id.label("reversal_entry_id"),
            reversal.occurred_on.label("reversed_on"))
        .join(Posting, Posting.entry_id == JournalEntry.id)
        .join(LedgerAccount, sa.and_(LedgerAccount.id == Posting.account_id,
                                     LedgerAccount.kind == "lien_receivable"))
        .outerjoin(reversal, reversal.reverses_entry_id == JournalEntry.id)
        .where(JournalEntry.kind == "charge", JournalEntry.case_id.in_(ids))
        .order_by(JournalEntry.case_id, JournalEntry.occurred_on, JournalEntry.id))


def totals_by_kind_select(case_ids: sa.Select[Any] | Iterable[int]) -> sa.Select[Any]:
    """Per case: the receivable moved by each entry kind (positive magnitudes) and the balance."""
    ids = case_ids if isinstance(case_ids, sa.Select) else list(case_ids)
    columns = [sa.func.coalesce(sa.func.sum(sa.case((JournalEntry.kind == kind,
                                                     Posting.amount_cents), else_=0)), 0)
               .label(kind) for kind in ENTRY_KINDS]
    return (sa.select(LedgerAccount.case_id.label("case_id"), *columns,
                      sa.func.coalesce(sa.func.sum(Posting.amount_cents), 0).label("balance"))
            .join(Posting, Posting.account_id == LedgerAccount.id)
            .join(JournalEntry, JournalEntry.id == Posting.entry_id)
            .where(LedgerAccount.kind == "lien_receivable", LedgerAccount.case_id.in_(ids))
            .group_by(LedgerAccount.case_id)
            .order_by(LedgerAccount.case_id))


@dataclass(frozen=True)
class KindTotals:
    """A case's ledger totals in cents, positive magnitudes (refunds raise the balance)."""

    charges: int = 0
    reversals: int = 0
    reductions: int = 0
    payments: int = 0
    write_offs: int = 0
    refunds: int = 0
    balance: int = 0

    @classmethod
    def from_row(cls, row: Any) -> KindTotals:
        """Turn signed sums by kind into magnitudes."""
        sums = {kind: int(getattr(row, kind)) for kind in ENTRY_KINDS}
        return cls(**totals_from_sums(sums), balance=int(row.balance))

    @classmethod
    def from_lines(cls, lines: Iterable[dict[str, Any]]) -> KindTotals:
        """Total the signed lines of a payoff statement (``payoff_lines``) by kind."""
        sums: dict[str, int] = {}
        for line in lines:
            sums[line["kind"]] = sums.get(line["kind"], 0) + int(line["amount"])
        return cls(**totals_from_sums(sums), balance=sum(sums.values()))


def case_totals(case_id: int) -> KindTotals:
    """One case's ledger totals by kind."""
    row = db.session.execute(totals_by_kind_select([case_id])).first()
    return KindTotals() if row is None else KindTotals.from_row(row)


def last_entry_id(case_id: int) -> int | None:
    """The newest journal entry of a case (the watermark a payoff statement keeps)."""
    return db.session.execute(
        sa.select(sa.func.max(JournalEntry.id)).where(JournalEntry.case_id == case_id)
    ).scalar_one()


def entries_after(case_id: int, entry_id: int | None) -> bool:
    """Whether the case's ledger has moved since ``entry_id``."""
    query = sa.select(JournalEntry.id).where(JournalEntry.case_id == case_id)
    if entry_id is not None:
        query = query.where(JournalEntry.id > entry_id)
    return db.session.execute(query.limit(1)).first() is not None


def payoff_lines(case_id: int) -> list[dict[str, Any]]:
    """Every entry that makes up the balance, charges itemised; the amounts sum to it."""
    lines = [{"entry_id": r.entry_id, "kind": "charge", "occurred_on": r.occurred_on.isoformat(),
              "description": r.description, "amount": int(r.amount),
              "dispense_id": r.dispense_id}
             for r in db.session.execute(charge_lines_select([case_id]))]
    others = db.session.execute(
        receivable_legs().where(JournalEntry.case_id == case_id, JournalEntry.kind != "charge"))
    lines += [{"entry_id": e.id, "kind": e.kind, "occurred_on": e.occurred_on.isoformat(),
               "description": e.memo, "amount": int(amount),
               "dispense_id": e.source_id if e.source_type == "dispense" else None}
              for e, amount in others]
    return sorted(lines, key=lambda line: (line["occurred_on"], line["entry_id"]))


def settlement_of(case_id: int) -> Settlement | None:
    """The case's recorded settlement, if any."""
    return db.session.execute(
        sa.select(Settlement).where(Settlement.case_id == case_id)).scalar_one_or_none()


def last_payment_date(case_id: int) -> date | None:
    """When the latest payment on the case was received."""
    return db.session.execute(
        sa.select(sa.func.max(JournalEntry.occurred_on))
        .where(JournalEntry.case_id == case_id, JournalEntry.kind == "payment")).scalar_one()


def booked_money() -> Iterator[Booked]:
    """Each payment (and the refund it made owed) and each reduction, beside the entry that
    booked it (for ``lienrx ledger verify``)."""
    payments = db.session.execute(
        sa.select(Payment.id, Payment.case_id, Payment.amount_cents, Payment.entry_id,
                  Payment.refund_owed_cents, Payment.refund_entry_id).order_by(Payment.id))
    for payment_id, case_id, cents, entry_id, refund_cents, refund_entry_id in payments:
        yield Booked(f"payment {payment_id}", entry_id, "payment", case_id, -cents)
        if refund_cents or refund_entry_id is not None:
            yield Booked(f"refund owed on payment {payment_id}", refund_entry_id, "refund",
                         case_id, refund_cents)
    reductions = db.session.execute(
        sa.select(Reduction.id, Reduction.case_id, Reduction.amount_cents, Reduction.entry_id)
        .order_by(Reduction.id))
    for reduction_id, case_id, cents, entry_id in reductions:
        yield Booked(f"reduction {reduction_id}", entry_id, "reduction", case_id, -cents)
