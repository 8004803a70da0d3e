"""The portal's read models: the firm's case list and the facts one case page shows.

The list is one query for the page (balances and last fills aggregated in subqueries, the
client's name joined in), one count, and one query for the page's refill schedule: the number
of queries does not grow with the number of rows.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa

from lienrx.auth.models import User
from lienrx.cases import rules as case_rules
from lienrx.cases.models import Case
from lienrx.core import clock
from lienrx.core.schemas import plain_number
from lienrx.dispensing.models import Dispense
from lienrx.dispensing.services import refill_due_on
from lienrx.extensions import db
from lienrx.formulary.models import Product
from lienrx.ledger.models import LedgerAccount, Posting
from lienrx.ledger.queries import case_balances, case_ledger
from lienrx.notifications.queries import quiet_days
from lienrx.parties.models import Patient, Prescriber
from lienrx.prescribing.models import Prescription
from lienrx.prescribing.services import effective_status

PAGE_SIZE = 25

# What the firm sees: closed with or without a recovery are both "Closed".
STATUS_LABELS = {case_rules.INTAKE: "Intake", case_rules.ACTIVE: "Active",
                 case_rules.ON_HOLD: "On hold", case_rules.SETTLED: "Settled",
                 case_rules.CLOSED: "Closed", case_rules.CLOSED_NO_RECOVERY: "Closed"}
STATUS_FILTERS: dict[str, tuple[str, ...]] = {
    "intake": (case_rules.INTAKE,), "active": (case_rules.ACTIVE,),
    "on_hold": (case_rules.ON_HOLD,), "settled": (case_rules.SETTLED,),
    "closed": case_rules.CLOSED_STATUSES}
SORTS = {"last_fill_desc": "Last fill, newest first", "last_fill_asc": "Last fill, oldest first",
         "balance_desc": "Balance, highest first", "balance_asc": "Balance, lowest first"}


@dataclass(frozen=True)
class ListFilters:
    """What the firm asked the list for: search text, status, sort and page."""

    q: str = ""
    status: str = ""
    sort: str = "last_fill_desc"
    page: int = 1


@dataclass(frozen=True)
class CaseRow:
    """One line of the case list."""

    id: int
    client_name: str
    firm_file_number: str | None
    status: str
    balance: int
    last_fill: date | None
    next_refill_due: date | None
    quiet_days: int | None  # set when the lien has gone quiet

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


@dataclass(frozen=True)
class CaseList:
    """A page of the case list and where it sits in the whole."""

    rows: list[CaseRow]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def _balances(firm_id: int) -> Any:
    return (sa.select(LedgerAccount.case_id.label("case_id"),
                      sa.func.sum(Posting.amount_cents).label("balance"))
            .join(Posting, Posting.account_id == LedgerAccount.id)
            .join(Case, Case.id == LedgerAccount.case_id)
            .where(LedgerAccount.kind == "lien_receivable", Case.law_firm_id == firm_id)
            .group_by(LedgerAccount.case_id).subquery("balances"))


def _last_fills(firm_id: int) -> Any:
    return (sa.select(Dispense.case_id.label("case_id"),
                      sa.func.max(Dispense.dispensed_on).label("last_fill"))
            .join(Case, Case.id == Dispense.case_id)
            .where(Dispense.status == "dispensed", Case.law_firm_id == firm_id)
            .group_by(Dispense.case_id).subquery("last_fills"))


def _name_matches(firm_id: int, text: str) -> list[int]:
    """Cases whose client name contains ``text``: names are encrypted, so match after reading."""
    needle = " ".join(text.casefold().split())
    rows = db.session.execute(
        sa.select(Case.id, Patient.first_name, Patient.last_name)
        .join(Patient, Patient.id == Case.patient_id).where(Case.law_firm_id == firm_id))
    return [case_id for case_id, first, last in rows
            if needle in f"{first} {last}".casefold() or needle in f"{last}, {first}".casefold()]


def _filtered(firm_id: int, filters: ListFilters) -> sa.Select[Any]:
    query = sa.select(Case.id).where(Case.law_firm_id == firm_id)
    if filters.status in STATUS_FILTERS:
        query = query.where(Case.status.in_(STATUS_FILTERS[filters.status]))
    text = filters.q.strip()
    if text:
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(sa.or_(Case.firm_file_number.ilike(pattern, escape="\\"),
                                   Case.id.in_(_name_matches(firm_id, text))))
    return query


def _order(sort: str, balance: Any, last_fill: Any) -> list[Any]:
    """Order by the chosen column, cases without a value last, then newest case first."""
    column, direction = {"balance_desc": (balance, "desc"), "balance_asc": (balance, "asc"),
                         "last_fill_asc": (last_fill, "asc")}.get(sort, (last_fill, "desc"))
    ordered = column.desc() if direction == "desc" else column.asc()
    return [ordered.nulls_last(), Case.id.desc()]


def _page_query(firm_id: int, filters: ListFilters, ids: Any, page_size: int) -> Any:
    fills = _last_fills(firm_id)
    columns = [Case.id, Case.firm_file_number, Case.status, Case.created_at, fills.c.last_fill,
               Patient.first_name, Patient.last_name]
    query = (sa.select(*columns).join(ids, ids.c.id == Case.id)
             .join(Patient, Patient.id == Case.patient_id)
             .outerjoin(fills, fills.c.case_id == Case.id))
    balance: Any = sa.null()
    if filters.sort.startswith("balance"):  # sorting by balance needs every case's balance
        balances = _balances(firm_id)
        balance = sa.func.coalesce(balances.c.balance, 0)
        query = query.add_columns(balance.label("balance")).outerjoin(
            balances, balances.c.case_id == Case.id)
    return (query.order_by(*_order(filters.sort, balance, fills.c.last_fill))
            .limit(page_size).offset((max(1, filters.page) - 1) * page_size))


def case_list(firm_id: int, filters: ListFilters, *, page_size: int = PAGE_SIZE,
              quiet_after: int = 45) -> CaseList:
    """One page of the firm's cases with balance, last fill, next refill due and quiet flag.

    Sorted by balance, the balances come aggregated in the page query; otherwise the page is
    chosen first and its balances summed in one query (``ledger.queries.case_balances``).
    """
    ids = _filtered(firm_id, filters).subquery("wanted")
    total = db.session.execute(sa.select(sa.func.count()).select_from(ids)).scalar_one()
    rows = db.session.execute(_page_query(firm_id, filters, ids, page_size)).all()
    balances = ({r.id: int(r.balance) for r in rows} if filters.sort.startswith("balance")
                else case_balances(r.id for r in rows))
    due = next_refills([r.id for r in rows])
    today = clock.today()
    return CaseList([CaseRow(
        r.id, f"{r.first_name} {r.last_name}", r.firm_file_number, r.status, balances[r.id],
        r.last_fill, min((d.due for d in due.get(r.id, [])), default=None),
        quiet_days(r.status, r.last_fill, r.created_at.date(), today, quiet_after))
        for r in rows], total, max(1, filters.page), page_size)


@dataclass(frozen=True)
class RefillDue:
    """A fillable prescription's latest fill and the first day its next fill is not too soon."""

    prescription_id: int
    product: str
    last_filled: date
    due: date


def next_refills(case_ids: list[int]) -> dict[int, list[RefillDue]]:
    """Per case: each fillable prescription's latest fill and the day its next fill is due.

    One query for all the cases; the due date is dispensing's own rule (refill too soon).
    """
    if not case_ids:
        return {}
    latest = (sa.select(Dispense.prescription_id, sa.func.max(Dispense.fill_number).label("n"))
              .where(Dispense.case_id.in_(case_ids), Dispense.status == "dispensed")
              .group_by(Dispense.prescription_id).subquery("latest"))
    rows = db.session.execute(
        sa.select(Prescription.id, Prescription.case_id, Prescription.schedule,
                  Prescription.status, Prescription.expires_on, Product.name,
                  Dispense.dispensed_on, Dispense.days_supply)
        .join(latest, latest.c.prescription_id == Prescription.id)
        .join(Dispense, sa.and_(Dispense.prescription_id == Prescription.id,
                                Dispense.fill_number == latest.c.n))
        .join(Product, Product.id == Prescription.product_id)
        .where(Prescription.case_id.in_(case_ids), Prescription.status == "active")).all()
    today = clock.today()
    found: dict[int, list[RefillDue]] = defaultdict(list)
    for row in rows:
        # the row carries the fields the prescribing and dispensing rules read
        if effective_status(row, today) == "active":  # type: ignore[arg-type]
            found[row.case_id].append(RefillDue(row.id, row.name, row.dispensed_on,
                                                refill_due_on(row, row)))  # type: ignore[arg-type]
    return found


@dataclass(frozen=True)
class FillLine:
    """One fill on the case's timeline."""

    id: int
    dispensed_on: date
    fill_number: int
    product: str
    quantity: Any
    unit: str
    days_supply: int
    source: str
    prescriber: str
    pharmacist: str
    charge: int
    status: str


def fills(case_id: int) -> list[FillLine]:
    """Every fill of the case, oldest first, reversed fills included."""
    rows = db.session.execute(
        sa.select(Dispense, Product.name, Product.unit, Prescriber.first_name,
                  Prescriber.last_name, User.name)
        .join(Prescription, Prescription.id == Dispense.prescription_id)
        .join(Product, Product.id == Prescription.product_id)
        .join(Prescriber, Prescriber.id == Prescription.prescriber_id)
        .join(User, User.id == Dispense.pharmacist_user_id)
        .where(Dispense.case_id == case_id)
        .order_by(Dispense.dispensed_on, Dispense.id)).all()
    return [FillLine(d.id, d.dispensed_on, d.fill_number, product,
                     plain_number(d.quantity), unit,
                     d.days_supply, f"NDC {d.ndc}" if d.ndc else f"Lot {d.lot_number}",
                     f"{first} {last}", pharmacist, d.charge_cents, d.status)
            for d, product, unit, first, last, pharmacist in rows]


@dataclass(frozen=True)
class LedgerRow:
    """A ledger entry with the balance after it."""

    occurred_on: date
    kind: str
    memo: str
    amount: int
    running: int


def ledger(case_id: int) -> tuple[list[LedgerRow], dict[str, int], int]:
    """The case's ledger in posting order with a running balance, its totals and balance."""
    lines, totals = case_ledger(case_id)
    rows, running = [], 0
    for line in lines:
        running += line.amount
        rows.append(LedgerRow(line.occurred_on, line.kind, line.memo, line.amount, running))
    return rows, totals, running
