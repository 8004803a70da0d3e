"""Read-side ledger queries: balances are sums of postings, never stored numbers."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from lienrx.extensions import db
from lienrx.ledger.models import LedgerAccount, Posting


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
    balances.update({case_id: int(total) for case_id, total in rows})
    return balances


def case_balance(case_id: int) -> int:
    """Lien balance of one case, in cents."""
    return case_balances([case_id])[case_id]
