"""Read models of the PDMP log for the pages and the work queue (no PHI: no file content)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from lienrx.core import clock
from lienrx.dispensing.models import Dispense
from lienrx.extensions import db
from lienrx.pdmp.models import PdmpReport
from lienrx.pdmp.profiles import Profile, is_business_day

LOOKBACK_DAYS = 60  # how far back the queue looks for days without a submitted report
RECENT = 60


@dataclass(frozen=True)
class MissingDay:
    """A business day whose report has not gone to the state, and its deadline."""

    report_date: date
    deadline: date

    @property
    def overdue(self) -> bool:
        return self.deadline < clock.today()


def recent_reports() -> list[PdmpReport]:
    """The latest reports of every state, newest report date first."""
    return list(db.session.execute(
        sa.select(PdmpReport).order_by(PdmpReport.report_date.desc(), PdmpReport.id.desc())
        .limit(RECENT)).scalars())


def rejected_reports() -> list[PdmpReport]:
    """Reports the state rejected and no later report for its state and date has replaced
    (submitted or accepted): their records go out again in the next report."""
    later = aliased(PdmpReport)
    replaced = sa.exists().where(later.state == PdmpReport.state,
                                 later.report_date == PdmpReport.report_date,
                                 later.id > PdmpReport.id,
                                 later.status.in_(("submitted", "accepted")))
    return list(db.session.execute(
        sa.select(PdmpReport).where(PdmpReport.status == "rejected", ~replaced)
        .order_by(PdmpReport.report_date)).scalars())


def days_without_submitted_report(profile: Profile, today: date) -> list[MissingDay]:
    """Each past business day (since the first dispense, at most ``LOOKBACK_DAYS`` back)
    with no report of ``profile``'s state submitted or accepted."""
    first = db.session.execute(sa.select(sa.func.min(Dispense.dispensed_on))).scalar_one()
    if first is None:
        return []
    start = max(first, today - timedelta(days=LOOKBACK_DAYS))
    sent = set(db.session.execute(
        sa.select(PdmpReport.report_date).where(
            PdmpReport.state == profile.state, PdmpReport.report_date >= start,
            PdmpReport.status.in_(("submitted", "accepted")))).scalars())
    days = (start + timedelta(days=n) for n in range((today - start).days))
    return [MissingDay(day, profile.deadline(day)) for day in days
            if is_business_day(day) and day not in sent]
