"""Read models of cases for the API and pages: a case with its balance and agreement."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from lienrx.cases import rules
from lienrx.cases.models import Case, LienAgreement
from lienrx.extensions import db
from lienrx.ledger.queries import case_balances


@dataclass
class CaseView:
    """A case seen with its current lien balance (cents) and agreement in force."""

    case: Case
    balance: int
    lien_agreement: LienAgreement | None
    disclosed: bool = True  # False: an attorney sees only the fields an unauthorized case shows

    def __getattr__(self, name: str) -> Any:
        return getattr(self.case, name)


def with_balances(cases: Sequence[Case], *,
                  disclosed: Collection[int] | None = None) -> list[CaseView]:
    """Attach balances (one aggregate query) and agreements in force (one query) to cases;
    ``disclosed`` (when given) the ids of those whose client may be shown."""
    ids = [c.id for c in cases]
    balances = case_balances(ids)
    agreements = {a.case_id: a for a in db.session.execute(
        sa.select(LienAgreement).where(LienAgreement.case_id.in_(ids),
                                       LienAgreement.status == "active")).scalars()}
    return [CaseView(c, balances[c.id], agreements.get(c.id),
                     disclosed is None or c.id in disclosed) for c in cases]


def status_counts() -> dict[str, int]:
    """How many cases are in each status."""
    counts = dict.fromkeys(rules.STATUSES, 0)
    counts.update({status: n for status, n in db.session.execute(
        sa.select(Case.status, sa.func.count()).group_by(Case.status)).all()})
    return counts


def patient_cases(patient_id: int) -> list[Case]:
    """A patient's cases, oldest first (the patient's own read is audited by the caller)."""
    return list(db.session.execute(
        sa.select(Case).where(Case.patient_id == patient_id).order_by(Case.id)).scalars())


def count_naming_attorney(user_id: int, law_firm_id: int) -> int:
    """How many of the firm's cases name this user as attorney of record (no PHI is read)."""
    return int(db.session.execute(sa.select(sa.func.count()).select_from(Case).where(
        Case.attorney_user_id == user_id, Case.law_firm_id == law_firm_id)).scalar_one())
