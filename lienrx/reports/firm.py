"""A law firm's own summary for the portal: its balance, cases by status and aging, and the
CSV of its cases, which names a client only while the firm's HIPAA authorization is in force
(SPEC §7.8)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from lienrx.audit import services as audit
from lienrx.cases import rules as case_rules
from lienrx.cases import services as cases
from lienrx.cases.models import Case
from lienrx.core import clock
from lienrx.core.actors import Actor
from lienrx.core.errors import NotFound
from lienrx.core.money import format_cents
from lienrx.core.spreadsheets import csv_text
from lienrx.dispensing.models import Dispense
from lienrx.extensions import db
from lienrx.ledger.models import LedgerAccount, Posting
from lienrx.parties.models import LawFirm, Patient
from lienrx.reports.aging import FirmAging, aging
from lienrx.reports.rules import BUCKET_NAMES

CSV_HEADER = ("File number", "Client", "Status", "Balance", "Last fill", "Opened")


@dataclass(frozen=True)
class StatusLine:
    """How many of the firm's cases are in one status, and their balance (cents)."""

    status: str
    cases: int
    balance: int


@dataclass(frozen=True)
class FirmSummary:
    """The firm's balance in all, its cases by status, and its aging as of today."""

    law_firm: str
    balance: int
    statuses: list[StatusLine]
    aging: FirmAging


def _firm_id(actor: Actor) -> int:
    if actor.law_firm_id is None:
        raise NotFound("No law firm is linked to this account.")
    return actor.law_firm_id


def _balances(firm_id: int) -> Any:
    return (sa.select(LedgerAccount.case_id.label("case_id"),
                      sa.func.sum(Posting.amount_cents).label("balance"))
            .join(Posting, Posting.account_id == LedgerAccount.id)
            .join(Case, Case.id == LedgerAccount.case_id)
            .where(Case.law_firm_id == firm_id).group_by(LedgerAccount.case_id)
            .subquery("balances"))


def firm_summary(actor: Actor) -> FirmSummary:
    """The actor's firm's summary (sums and counts only: no client is named)."""
    firm_id = _firm_id(actor)
    balances = _balances(firm_id)
    rows = db.session.execute(
        sa.select(Case.status, sa.func.count(Case.id),
                  sa.func.coalesce(sa.func.sum(balances.c.balance), 0))
        .outerjoin(balances, balances.c.case_id == Case.id)
        .where(Case.law_firm_id == firm_id).group_by(Case.status)).all()
    found = {status: StatusLine(status, int(n), int(cents)) for status, n, cents in rows}
    statuses = [found.get(s, StatusLine(s, 0, 0)) for s in case_rules.STATUSES]
    firm = db.session.get(LawFirm, firm_id)
    owed = aging(clock.today(), firm_id)
    return FirmSummary(firm.name if firm else "", sum(s.balance for s in statuses), statuses,
                       owed[0] if owed else FirmAging(firm_id, firm.name if firm else "",
                                                      dict.fromkeys(BUCKET_NAMES, 0), 0))


def _case_rows(firm_id: int) -> list[Any]:
    last_fill = (sa.select(sa.func.max(Dispense.dispensed_on))
                 .where(Dispense.case_id == Case.id, Dispense.status == "dispensed")
                 .scalar_subquery())
    balances = _balances(firm_id)
    return list(db.session.execute(
        sa.select(Case.id, Case.firm_file_number, Case.status, Case.created_at,
                  Case.patient_id, last_fill.label("last_fill"),
                  sa.func.coalesce(balances.c.balance, 0).label("balance"))
        .outerjoin(balances, balances.c.case_id == Case.id)
        .where(Case.law_firm_id == firm_id).order_by(Case.id)).all())


def _names(patient_ids: set[int]) -> dict[int, str]:
    if not patient_ids:
        return {}
    return {pid: f"{first} {last}" for pid, first, last in db.session.execute(
        sa.select(Patient.id, Patient.first_name, Patient.last_name)
        .where(Patient.id.in_(patient_ids)))}


def firm_cases_csv(actor: Actor) -> str:
    """The firm's cases as CSV: file number and status for every case; client, balance, last
    fill and opening date only where the firm's HIPAA authorization is in force today, each
    such case logged as a disclosure (audited: the count of cases and of those named)."""
    firm_id = _firm_id(actor)
    rows = _case_rows(firm_id)
    authorized = cases.disclosed_ids(actor, rows)
    names = _names({r.patient_id for r in rows if r.id in authorized})
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for row in _lines(rows, authorized, names):
        writer.writerow(row)
    audit.record(actor, "portal.cases_exported", "law_firm", firm_id,
                 {"cases": len(rows), "named": len(authorized)})
    return out.getvalue()


def _lines(rows: list[Any], authorized: set[int],
           names: dict[int, str]) -> Iterator[tuple[str, ...]]:
    for r in rows:
        if r.id not in authorized:
            yield (csv_text(r.firm_file_number), "", r.status, "", "", "")
            continue
        yield (csv_text(r.firm_file_number), csv_text(names[r.patient_id]), r.status,
               format_cents(int(r.balance)), r.last_fill.isoformat() if r.last_fill else "",
               clock.local_date(r.created_at).isoformat())
