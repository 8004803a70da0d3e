"""The double-entry journal: accounts, entries and postings in integer cents."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lienrx.core import clock
from lienrx.core.db import UTCDateTime, one_of
from lienrx.extensions import db

ACCOUNT_KINDS = ("lien_receivable", "revenue", "contra", "expense", "cash", "liability")
ENTRY_KINDS = ("charge", "reversal", "reduction", "payment", "write_off", "refund")
# SPEC §4.7, in one place: entry kind -> (the total it adds to, the way it moves the lien).
# With totals as positive magnitudes:
#   balance = charges − reversals − reductions − payments − write_offs + refunds.
KIND_TOTALS = {"charge": ("charges", 1), "refund": ("refunds", 1),
               "reversal": ("reversals", -1), "reduction": ("reductions", -1),
               "payment": ("payments", -1), "write_off": ("write_offs", -1)}
MEMO_LENGTH = 500  # a journal entry's memo: text quoted into one must leave it room to fit


def totals_from_sums(sums: dict[str, int]) -> dict[str, int]:
    """Signed receivable sums by entry kind → totals as positive magnitudes, by total name."""
    return {name: sign * int(sums.get(kind, 0)) for kind, (name, sign) in KIND_TOTALS.items()}


class LedgerAccount(db.Model):  # type: ignore[name-defined]
    """An account of the chart: one lien receivable per case, plus the pharmacy's books."""

    __tablename__ = "ledger_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(60), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    case_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("cases.id", ondelete="RESTRICT"), unique=True)

    __table_args__ = (
        one_of("kind", ACCOUNT_KINDS, "kind_known"),
        sa.CheckConstraint("(kind = 'lien_receivable') = (case_id IS NOT NULL)",
                           name="receivable_iff_case"),
    )


class JournalEntry(db.Model):  # type: ignore[name-defined]
    """One money event. Append-only: a mistake is corrected by a reversing entry.

    ``occurred_on`` is the business date (the fill, the check); ``posted_at`` is when it was
    written to the books.
    """

    __tablename__ = "journal_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(12))
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="RESTRICT"))
    occurred_on: Mapped[date]
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.utcnow)
    memo: Mapped[str] = mapped_column(sa.String(MEMO_LENGTH))
    source_type: Mapped[str | None] = mapped_column(sa.String(30))
    source_id: Mapped[int | None]
    reverses_entry_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("journal_entries.id", ondelete="RESTRICT"), unique=True)
    actor_user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"))

    postings: Mapped[list[Posting]] = relationship(back_populates="entry", order_by="Posting.id")

    __table_args__ = (
        one_of("kind", ENTRY_KINDS, "kind_known"),
        sa.Index("ix_journal_entries_source", "source_type", "source_id"),
        # a case's entries in posting order; on PostgreSQL with their kind, so a case's
        # totals by kind read the index alone
        sa.Index("ix_journal_entries_case_entry", "case_id", "id", postgresql_include=["kind"]),
    )


class Posting(db.Model):  # type: ignore[name-defined]
    """One leg of an entry: a signed amount in cents on one account."""

    __tablename__ = "postings"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(
        sa.ForeignKey("journal_entries.id", ondelete="RESTRICT"), index=True)
    account_id: Mapped[int] = mapped_column(
        sa.ForeignKey("ledger_accounts.id", ondelete="RESTRICT"))
    amount_cents: Mapped[int] = mapped_column(sa.BigInteger)

    entry: Mapped[JournalEntry] = relationship(back_populates="postings")

    __table_args__ = (
        sa.CheckConstraint("amount_cents <> 0", name="nonzero"),
        # an account's postings in posting order; on PostgreSQL with their amounts, so a
        # case's ledger (a page, its running balance, its sums) reads the index alone
        sa.Index("ix_postings_account_entry", "account_id", "entry_id",
                 postgresql_include=["amount_cents"]),
    )
