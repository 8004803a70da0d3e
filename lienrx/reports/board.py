"""The billing board (SPEC §7.8): A/R aging by firm, liens at limitation risk and quiet
liens, gathered for the page, the API and the workbook alike."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from lienrx.audit import services as audit
from lienrx.cases.models import Case
from lienrx.cases.rules import quiet_days
from lienrx.core import clock
from lienrx.core.actors import Actor
from lienrx.extensions import db
from lienrx.notifications.queries import quiet_cases
from lienrx.parties.models import LawFirm
from lienrx.reports.aging import FirmAging, aging, bucket_totals
from lienrx.reports.limitations import LimitationRisk, limitation_risk
from lienrx.reports.rules import SHOWN


@dataclass(frozen=True)
class QuietRow:
    """An active lien with no fill for the quiet-lien days."""

    case_id: int
    firm_file_number: str | None
    law_firm: str
    last_fill: date | None
    days: int


@dataclass(frozen=True)
class Board:
    """Everything the billing board shows, as of one day."""

    as_of: date
    firms: list[FirmAging]
    totals: FirmAging
    limitation: LimitationRisk
    quiet: list[QuietRow]
    quiet_total: int
    quiet_after: int
    warn_days: int


def quiet_liens(after: int) -> tuple[list[QuietRow], int]:
    """The quiet liens of every firm, quietest first (the first :data:`SHOWN`), and how many."""
    quiet = quiet_cases(after)
    rows = db.session.execute(
        sa.select(quiet, Case.firm_file_number, LawFirm.name,
                  sa.func.count().over().label("total"))
        .join(Case, Case.id == quiet.c.id).join(LawFirm, LawFirm.id == Case.law_firm_id)
        .order_by(quiet.c.last_fill.asc().nulls_first(), quiet.c.created_at, quiet.c.id)
        .limit(SHOWN)).all()
    today = clock.today()
    found = []
    for row in rows:
        days = quiet_days(row.status, row.last_fill, clock.local_date(row.created_at), today,
                          after)
        if days is not None:
            found.append(QuietRow(row.id, row.firm_file_number, row.name, row.last_fill, days))
    return found, (rows[0].total if rows else 0)


def billing_board(actor: Actor, as_of: date, *, quiet_after: int, warn_days: int) -> Board:
    """Gather the board as of ``as_of`` (audited: it lists cases with their injury dates)."""
    firms = aging(as_of)
    quiet, quiet_total = quiet_liens(quiet_after)
    board = Board(as_of, firms, bucket_totals(firms), limitation_risk(as_of, warn_days), quiet,
                  quiet_total, quiet_after, warn_days)
    audit.record(actor, "reports.board_read", "law_firm", None,
                 {"as_of": as_of.isoformat(), "firms": len(firms),
                  "at_risk": board.limitation.at_risk_total,
                  "unknown": board.limitation.unknown_total, "quiet": quiet_total})
    return board

