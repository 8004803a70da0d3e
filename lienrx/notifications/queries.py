"""Derive a firm's notifications from the records newer than the reader's last read mark.

New fills, payoff statements issued, reduction requests answered and cases closed come from
their own rows (one query each, scoped to the firm); quiet liens are the firm's active cases
with no fill for the configured number of days. Nothing here is stored or copied.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from lienrx.cases import rules as case_rules
from lienrx.cases.models import Case
from lienrx.core import clock
from lienrx.dispensing.models import Dispense
from lienrx.extensions import db
from lienrx.notifications.models import ReadMark
from lienrx.parties.models import Patient
from lienrx.reduction_requests.models import ReductionRequest
from lienrx.settlement.models import PayoffStatement

FIRST_LOOK_DAYS = 30  # a reader who never marked anything read sees this far back

NEW_FILLS, QUIET, PAYOFF, ANSWERED, CLOSED = (
    "new_fills", "quiet_lien", "payoff_issued", "reduction_answered", "case_closed")


def quiet_days(status: str, last_fill: date | None, opened_on: date, today: date,
               after: int) -> int | None:
    """Days an active lien has had no fill (since opening if never filled), when ≥ ``after``."""
    if status != case_rules.ACTIVE:
        return None
    days = (today - (last_fill or opened_on)).days
    return days if days >= after else None


@dataclass(frozen=True)
class Notification:
    """One thing the firm should know about a case, and when it happened."""

    kind: str
    case_id: int
    at: datetime
    count: int = 1
    detail: str = ""
    client_name: str = ""
    firm_file_number: str | None = None


def read_mark(user_id: int) -> datetime | None:
    """When the user last marked their notifications read, if ever."""
    mark = db.session.get(ReadMark, user_id)
    return None if mark is None else mark.read_at


def _firm_cases(firm_id: int) -> sa.Select[Any]:
    return sa.select(Case.id).where(Case.law_firm_id == firm_id)


def _new_fills(firm_id: int, since: datetime) -> list[Notification]:
    rows = db.session.execute(
        sa.select(Dispense.case_id, sa.func.count(), sa.func.max(Dispense.created_at))
        .where(Dispense.case_id.in_(_firm_cases(firm_id)), Dispense.created_at > since,
               Dispense.status == "dispensed")
        .group_by(Dispense.case_id))
    return [Notification(NEW_FILLS, case_id, at, int(count)) for case_id, count, at in rows]


def _payoffs(firm_id: int, since: datetime) -> list[Notification]:
    rows = db.session.execute(
        sa.select(PayoffStatement.case_id, PayoffStatement.issued_at,
                  PayoffStatement.valid_through)
        .where(PayoffStatement.case_id.in_(_firm_cases(firm_id)),
               PayoffStatement.issued_at > since))
    return [Notification(PAYOFF, case_id, at, detail=f"valid through {through.isoformat()}")
            for case_id, at, through in rows]


def _answers(firm_id: int, since: datetime) -> list[Notification]:
    rows = db.session.execute(
        sa.select(ReductionRequest)
        .where(ReductionRequest.case_id.in_(_firm_cases(firm_id)),
               ReductionRequest.answered_at > since)).scalars()
    return [Notification(ANSWERED, r.case_id, r.answered_at,  # type: ignore[arg-type]
                         detail=f"{r.acknowledgment_number} {r.status}") for r in rows]


def _closings(firm_id: int, since: datetime) -> list[Notification]:
    rows = db.session.execute(
        sa.select(Case.id, Case.updated_at)
        .where(Case.law_firm_id == firm_id, Case.status.in_(case_rules.CLOSED_STATUSES),
               Case.updated_at > since))
    return [Notification(CLOSED, case_id, at) for case_id, at in rows]


def _quiet(firm_id: int, after: int) -> list[Notification]:
    today = clock.today()
    last_fill = (sa.select(sa.func.max(Dispense.dispensed_on))
                 .where(Dispense.case_id == Case.id, Dispense.status == "dispensed")
                 .scalar_subquery())
    rows = db.session.execute(
        sa.select(Case.id, Case.status, Case.created_at, last_fill.label("last_fill"))
        .where(Case.law_firm_id == firm_id, Case.status == case_rules.ACTIVE))
    found = []
    for case_id, status, created_at, last in rows:
        days = quiet_days(status, last, created_at.date(), today, after)
        if days is not None:
            found.append(Notification(QUIET, case_id, clock.utcnow(), detail=f"{days} days"))
    return found


def _named(found: list[Notification]) -> list[Notification]:
    ids = {n.case_id for n in found}
    if not ids:
        return found
    names = {case_id: (f"{first} {last}", file_no) for case_id, first, last, file_no in
             db.session.execute(sa.select(Case.id, Patient.first_name, Patient.last_name,
                                          Case.firm_file_number)
                                .join(Patient, Patient.id == Case.patient_id)
                                .where(Case.id.in_(ids)))}
    return [Notification(n.kind, n.case_id, n.at, n.count, n.detail, *names[n.case_id])
            for n in found]


def notifications_for(user: Any, *, quiet_after: int) -> list[Notification]:
    """The firm's notifications for ``user`` since their read mark, newest first."""
    since = read_mark(user.id) or clock.utcnow() - timedelta(days=FIRST_LOOK_DAYS)
    firm_id = user.law_firm_id
    found = (_new_fills(firm_id, since) + _payoffs(firm_id, since) + _answers(firm_id, since)
             + _closings(firm_id, since))
    found.sort(key=lambda n: n.at, reverse=True)
    return _named(found + _quiet(firm_id, quiet_after))
