"""Derive a firm's notifications from the records newer than the reader's last read mark.

New fills, payoff statements issued, reduction requests answered and cases closed come from
their own rows (one query each, scoped to the firm); quiet liens are the firm's active cases
with no fill for the configured number of days. Nothing here is stored or copied.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from lienrx.case_documents.queries import authorized_case_ids
from lienrx.cases import rules as case_rules
from lienrx.cases.models import Case
from lienrx.cases.rules import quiet_days
from lienrx.core import clock
from lienrx.core.actors import Actor
from lienrx.dispensing.models import Dispense
from lienrx.extensions import db
from lienrx.notifications.models import ReadMark
from lienrx.parties.models import Patient
from lienrx.reduction_requests.models import ReductionRequest
from lienrx.settlement.models import PayoffStatement

FIRST_LOOK_DAYS = 30  # a reader who never marked anything read sees this far back
SHOWN = 20  # at most this many of each group are listed (names decrypted); the rest counted

NEW_FILLS, QUIET, PAYOFF, ANSWERED, CLOSED = (
    "new_fills", "quiet_lien", "payoff_issued", "reduction_answered", "case_closed")


@dataclass(frozen=True)
class Notification:
    """One thing the firm should know about a case, and when it happened."""

    kind: str
    case_id: int
    at: datetime
    count: int = 1  # fills for new_fills, days for quiet_lien
    detail: str = ""
    client_name: str = ""
    firm_file_number: str | None = None


def read_mark(user_id: int) -> datetime | None:
    """When the user last marked their notifications read, if ever."""
    mark = db.session.get(ReadMark, user_id)
    return None if mark is None else mark.read_at


def _firm_cases(firm_id: int) -> sa.Select[Any]:
    return sa.select(Case.id).where(Case.law_firm_id == firm_id)


def _newest(query: sa.Select[*tuple[Any, ...]], at: Any,
            shown: int) -> tuple[Sequence[Any], int]:
    """The ``shown`` newest rows of ``query`` by ``at`` and how many rows there are in all."""
    rows = db.session.execute(query.add_columns(sa.func.count().over().label("total"))
                              .order_by(at.desc()).limit(shown)).all()
    return rows, (rows[0].total if rows else 0)


def _new_fills(firm_id: int, since: datetime, shown: int) -> tuple[list[Notification], int]:
    at = sa.func.max(Dispense.created_at)
    rows, total = _newest(
        sa.select(Dispense.case_id, sa.func.count().label("fills"), at.label("at"))
        .where(Dispense.case_id.in_(_firm_cases(firm_id)), Dispense.created_at > since,
               Dispense.status == "dispensed")
        .group_by(Dispense.case_id), at, shown)
    return [Notification(NEW_FILLS, r.case_id, r.at, int(r.fills)) for r in rows], total


def _payoffs(firm_id: int, since: datetime, shown: int) -> tuple[list[Notification], int]:
    rows, total = _newest(
        sa.select(PayoffStatement.case_id, PayoffStatement.issued_at,
                  PayoffStatement.valid_through)
        .where(PayoffStatement.case_id.in_(_firm_cases(firm_id)),
               PayoffStatement.issued_at > since), PayoffStatement.issued_at, shown)
    return [Notification(PAYOFF, r.case_id, r.issued_at,
                         detail=f"valid through {r.valid_through.isoformat()}")
            for r in rows], total


def _answers(firm_id: int, since: datetime, shown: int) -> tuple[list[Notification], int]:
    rows, total = _newest(
        sa.select(ReductionRequest)
        .where(ReductionRequest.case_id.in_(_firm_cases(firm_id)),
               ReductionRequest.answered_at > since), ReductionRequest.answered_at, shown)
    return [Notification(ANSWERED, r[0].case_id, r[0].answered_at,
                         detail=f"{r[0].acknowledgment_number} {r[0].status}")
            for r in rows], total


def _closings(firm_id: int, since: datetime, shown: int) -> tuple[list[Notification], int]:
    rows, total = _newest(
        sa.select(Case.id, Case.updated_at)
        .where(Case.law_firm_id == firm_id, Case.status.in_(case_rules.CLOSED_STATUSES),
               Case.updated_at > since), Case.updated_at, shown)
    return [Notification(CLOSED, r.id, r.updated_at) for r in rows], total


def quiet_cases(after: int, firm_id: int | None = None) -> sa.Subquery:
    """Active cases (of one firm, or all) with no fill for ``after`` days (never filled:
    opened before then): id, status, created_at, last_fill. The rule is :func:`quiet_days`,
    applied here in SQL."""
    cutoff = clock.today() - timedelta(days=after)
    last_fill = (sa.select(sa.func.max(Dispense.dispensed_on))
                 .where(Dispense.case_id == Case.id, Dispense.status == "dispensed")
                 .scalar_subquery())
    fills = (sa.select(Case.id, Case.status, Case.created_at, last_fill.label("last_fill"))
             .where(Case.status == case_rules.ACTIVE,
                    *([] if firm_id is None else [Case.law_firm_id == firm_id]))
             .subquery())
    # opened before the pharmacy's midnight that starts the day after the cutoff
    opened_before = datetime.combine(cutoff + timedelta(days=1), datetime.min.time(),
                                     clock.timezone()).astimezone(UTC)
    return (sa.select(fills)
            .where(sa.or_(fills.c.last_fill <= cutoff,
                          sa.and_(fills.c.last_fill.is_(None),
                                  fills.c.created_at < opened_before)))
            .subquery())


def _quiet(firm_id: int, after: int, shown: int) -> tuple[list[Notification], int]:
    """The firm's quiet liens, quietest first."""
    today = clock.today()
    quiet = quiet_cases(after, firm_id)
    rows = db.session.execute(
        sa.select(quiet, sa.func.count().over().label("total"))
        .order_by(quiet.c.last_fill.asc().nulls_first(), quiet.c.created_at, quiet.c.id)
        .limit(shown)).all()
    found = []
    for row in rows:
        days = quiet_days(row.status, row.last_fill, clock.local_date(row.created_at), today, after)
        if days is not None:
            found.append(Notification(QUIET, row.id, clock.utcnow(), days, f"{days} days"))
    return found, (rows[0].total if rows else 0)


UNNAMED = "Client not shown (HIPAA authorization needed)"


def _named(found: list[Notification], firm_id: int) -> list[Notification]:
    """The notifications with their client's name and file number; a case without a HIPAA
    authorization naming the firm shows its file number only."""
    ids = {n.case_id for n in found}
    if not ids:
        return found
    authorized = authorized_case_ids(ids, firm_id, clock.today())
    names = {case_id: (f"{first} {last}" if case_id in authorized else UNNAMED, file_no)
             for case_id, first, last, file_no in
             db.session.execute(sa.select(Case.id, Patient.first_name, Patient.last_name,
                                          Case.firm_file_number)
                                .join(Patient, Patient.id == Case.patient_id)
                                .where(Case.id.in_(ids)))}
    return [Notification(n.kind, n.case_id, n.at, n.count, n.detail, *names[n.case_id])
            for n in found]


@dataclass(frozen=True)
class Notifications:
    """The newest events and quiet liens to list, and how many of each there are in all."""

    events: list[Notification]
    events_total: int
    quiet: list[Notification]
    quiet_total: int

    def __bool__(self) -> bool:
        return bool(self.events_total or self.quiet_total)


def notifications_for(user: Actor, *, quiet_after: int, shown: int = SHOWN) -> Notifications:
    """The firm's notifications for ``user`` since their read mark, newest first."""
    since = read_mark(user.id) or clock.utcnow() - timedelta(days=FIRST_LOOK_DAYS)
    firm_id = user.law_firm_id
    if firm_id is None:  # staff belong to no firm, so no firm's news is theirs
        return Notifications([], 0, [], 0)
    events: list[Notification] = []
    total = 0
    for source in (_new_fills, _payoffs, _answers, _closings):
        found, count = source(firm_id, since, shown)
        events += found
        total += count
    events = sorted(events, key=lambda n: n.at, reverse=True)[:shown]
    quiet, quiet_total = _quiet(firm_id, quiet_after, shown)
    named = _named(events + quiet, firm_id)
    return Notifications(named[:len(events)], total, named[len(events):], quiet_total)
