"""Read models of cases for the API and pages: a case with its lien balance."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from lienrx.cases.models import Case
from lienrx.cases.services import active_agreement
from lienrx.ledger.queries import case_balances


@dataclass
class CaseView:
    """A case seen with its current lien balance (cents) and agreement in force."""

    case: Case
    balance: int

    def __getattr__(self, name: str) -> Any:
        return getattr(self.case, name)

    @property
    def lien_agreement(self) -> Any:
        return active_agreement(self.case.id)


def with_balances(cases: Sequence[Case]) -> list[CaseView]:
    """Attach balances to cases with one aggregate query."""
    balances = case_balances(c.id for c in cases)
    return [CaseView(c, balances[c.id]) for c in cases]
