"""Payoff quotes (computed, nothing stored) and issued payoff statements (stored, and sent as
letters)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app

from lienrx.audit import services as audit
from lienrx.cases import services as cases
from lienrx.cases.rules import PAYOFF
from lienrx.core import clock
from lienrx.core.actors import Actor
from lienrx.core.errors import NotFound
from lienrx.core.paging import Page, fetch_page
from lienrx.extensions import db
from lienrx.ledger.queries import case_balance
from lienrx.outbox import services as outbox
from lienrx.settlement import letters, rules
from lienrx.settlement.models import PayoffStatement
from lienrx.settlement.queries import KindTotals, entries_after, last_entry_id, payoff_lines
from lienrx.settlement.services import open_case_for_money

TEMPLATE = "letters/payoff_statement.html"


@dataclass(frozen=True)
class PayoffQuote:
    """What would settle the lien today, line by line."""

    case_id: int
    balance: int
    valid_through: date
    lines: list[dict[str, Any]]


@dataclass(frozen=True)
class StatementView:
    """An issued statement with its status derived now."""

    statement: PayoffStatement
    status: str

    @property
    def id(self) -> int:
        return self.statement.id

    def __getattr__(self, name: str) -> Any:
        return getattr(self.statement, name)

    @property
    def balance(self) -> int:
        return self.statement.balance_cents


def valid_through() -> date:
    """Today plus the configured validity (LIENRX_PAYOFF_VALID_DAYS, default 30)."""
    return clock.today() + timedelta(days=int(current_app.config["LIENRX_PAYOFF_VALID_DAYS"]))


def quote(actor: Actor, case_id: int) -> PayoffQuote:
    """Compute the payoff of a case the actor may see; nothing is stored."""
    case = cases.get_case(actor, case_id, disclosing=PAYOFF)
    lines = payoff_lines(case.id)
    audit.record(actor, "payoff.quoted", "case", case.id, {"lines": len(lines)})
    return PayoffQuote(case.id, case_balance(case.id), valid_through(), lines)


def issue_statement(actor: Actor, case_id: int) -> StatementView:
    """Issue and store a payoff statement; a later ledger entry on the case voids it."""
    case = open_case_for_money(actor, case_id)
    statement = PayoffStatement(case_id=case.id, balance_cents=case_balance(case.id),
                                valid_through=valid_through(), issued_at=clock.utcnow(),
                                issued_by_user_id=actor.id,
                                last_entry_id=last_entry_id(case.id),
                                lines=payoff_lines(case.id))
    db.session.add(statement)
    db.session.flush()
    audit.record(actor, "payoff_statement.issued", "payoff_statement", statement.id,
                 {"case_id": case.id, "balance": statement.balance_cents,
                  "valid_through": statement.valid_through.isoformat()})
    outbox.enqueue_event(outbox.PAYOFF_ISSUED, case.id, statement.id)
    return view(statement)


def view(statement: PayoffStatement) -> StatementView:
    """The statement with its status: void if the ledger moved since, expired after its date."""
    moved = entries_after(statement.case_id, statement.last_entry_id)
    return StatementView(statement, rules.payoff_status(
        superseded_by_entry=moved, valid_through=statement.valid_through, today=clock.today()))


def statements(actor: Actor, case_id: int, *, page: int = 1,
               page_size: int | None = None) -> Page[StatementView]:
    """The statements issued on a case the actor may see, newest first (a page of
    ``page_size`` when given, else all of them; audited: each names the client's
    medications)."""
    case = cases.get_case(actor, case_id, disclosing=PAYOFF)
    rows = fetch_page(
        sa.select(PayoffStatement).where(PayoffStatement.case_id == case.id)
        .order_by(PayoffStatement.id.desc()), page=page, page_size=page_size)
    found = Page([view(s) for s in rows], rows.total, rows.page, rows.page_size)
    audit.record(actor, "payoff_statement.listed", "case", case.id,
                 {"count": len(found), "total": found.total})
    return found


def statement_letter(actor: Actor, statement_id: int, *,
                     case_id: int | None = None) -> letters.Letter:
    """An issued statement as a letter to the firm, stamped VOID or EXPIRED when it no longer
    holds (a PHI read: it names the client and its medications). Another firm's statement, or
    one not on ``case_id`` when given, is NotFound."""
    statement = db.session.get(PayoffStatement, statement_id)
    if statement is None or (case_id is not None and statement.case_id != case_id):
        raise NotFound("No such payoff statement.")
    case = cases.get_case(actor, statement.case_id, disclosing=PAYOFF)
    shown = view(statement)
    audit.record(actor, "payoff_statement.read", "payoff_statement", statement.id,
                 {"case_id": case.id, "status": shown.status})
    lines = [{**line, "occurred_on": date.fromisoformat(line["occurred_on"])}
             for line in statement.lines]
    return letters.compose(
        case, template=TEMPLATE, title="Payoff statement",
        filename=f"payoff-statement-{statement.id}.pdf",
        dated=clock.local_date(statement.issued_at), totals=KindTotals.from_lines(lines),
        statement_id=statement.id, status=shown.status, balance=statement.balance_cents,
        valid_through=statement.valid_through, lines=lines)
