"""Statute-of-limitations risk (SPEC §7.8): an owing case whose state's personal-injury
period, counted from the date of injury, ends within the warning window (or has ended) with
no suit recorded as filed. A case whose state has no seeded period is listed as unknown,
never as safe.

The periods are data (``seeds/limitation_periods.json``), each with the statute that sets it,
the page it was read on, the operative words read there and the day they were read; nothing
here knows a legal period of its own.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from importlib import resources
from typing import Any

import sqlalchemy as sa

from lienrx.cases.models import Case
from lienrx.cases.rules import US_STATES
from lienrx.extensions import db
from lienrx.parties.models import LawFirm
from lienrx.reports.rules import OWING_STATUSES, SHOWN, anniversary

SEED_FILE = "limitation_periods.json"


class UnsourcedPeriod(ValueError):
    """A limitation period in the seed without its statute, source, quote or consulted day, or
    malformed."""


@dataclass(frozen=True)
class LimitationPeriod:
    """A state's personal-injury limitation period in whole years, the statute that sets it,
    where its text was read (``source``), the operative words read there (``quote``), the day
    they were read (``consulted``) and what the board does not model (``note``)."""

    state: str
    years: int
    statute: str
    source: str
    quote: str
    consulted: date
    note: str | None = None


def _text(item: dict[str, Any], key: str) -> str:
    value = item.get(key)
    return value.strip() if isinstance(value, str) else ""


def _consulted(item: dict[str, Any]) -> date | None:
    try:
        return date.fromisoformat(_text(item, "consulted"))
    except ValueError:
        return None


def load_periods(data: dict[str, Any]) -> dict[str, LimitationPeriod]:
    """The periods of a seed document by state; one without statute, source, quote or
    consulted day is refused."""
    periods: dict[str, LimitationPeriod] = {}
    for item in data["periods"]:
        state, years = item.get("state"), item.get("years")
        statute, source, quote = _text(item, "statute"), _text(item, "source"), _text(item, "quote")
        consulted = _consulted(item)
        if not statute or not source or not quote or consulted is None:
            raise UnsourcedPeriod(f"the period for {state} lacks its statute, source, quote or "
                                  "consulted day (YYYY-MM-DD)")
        if state not in US_STATES or state in periods:
            raise UnsourcedPeriod(f"{state!r} is not a US state code, or is listed twice")
        if not isinstance(years, int) or isinstance(years, bool) or years < 1:
            raise UnsourcedPeriod(f"the period for {state} is not a whole number of years")
        periods[state] = LimitationPeriod(state, years, statute, source, quote, consulted,
                                          _text(item, "note") or None)
    return periods


@cache
def seeded_periods() -> dict[str, LimitationPeriod]:
    """The periods shipped in the package's seed file."""
    text = resources.files("lienrx.seeds").joinpath(SEED_FILE).read_text(encoding="utf-8")
    return load_periods(json.loads(text))


@dataclass(frozen=True)
class LimitationRow:
    """An owing case with no suit filed, its deadline and days left (None: period unknown)."""

    case_id: int
    firm_file_number: str | None
    law_firm: str
    state: str
    date_of_injury: date
    deadline: date | None
    days_left: int | None


@dataclass(frozen=True)
class LimitationRisk:
    """The cases at risk (soonest deadline first) and those whose period is unknown (oldest
    injury first), the first :data:`SHOWN` of each and how many there are."""

    at_risk: list[LimitationRow]
    at_risk_total: int
    unknown: list[LimitationRow]
    unknown_total: int


def _unfiled() -> sa.Select[*tuple[Any, ...]]:
    """Owing cases with no suit filed: id, file number, firm, state, injury date, count."""
    return (sa.select(Case.id, Case.firm_file_number, LawFirm.name, Case.jurisdiction,
                      Case.date_of_injury, sa.func.count().over().label("total"))
            .join(LawFirm, LawFirm.id == Case.law_firm_id)
            .where(Case.status.in_(OWING_STATUSES), Case.suit_filed_on.is_(None)))


def _latest_injury(as_of: date, warn_days: int, years: int) -> date:
    """The last injury date whose deadline falls within ``warn_days`` of ``as_of``: the
    injuries ``years`` before ``as_of + warn_days``, a day later when that day is a 28
    February that 29 February also maps to."""
    horizon = as_of + timedelta(days=warn_days)
    latest = anniversary(horizon, -years)
    after = latest + timedelta(days=1)
    return after if anniversary(after, years) <= horizon else latest


def limitation_risk(as_of: date, warn_days: int,
                    periods: dict[str, LimitationPeriod] | None = None) -> LimitationRisk:
    """The limitation-risk lists as of ``as_of`` (``periods``: the seeded ones by default)."""
    periods = seeded_periods() if periods is None else periods
    due = sa.or_(sa.false(), *[
        sa.and_(Case.jurisdiction == state,
                Case.date_of_injury <= _latest_injury(as_of, warn_days, period.years))
        for state, period in periods.items()])
    at_risk = db.session.execute(
        _unfiled().where(due).order_by(Case.date_of_injury, Case.id).limit(SHOWN)).all()
    unknown = db.session.execute(
        _unfiled().where(Case.jurisdiction.not_in(list(periods) or [""]))
        .order_by(Case.date_of_injury, Case.id).limit(SHOWN)).all()
    risky = []
    for row in at_risk:
        deadline = anniversary(row.date_of_injury, periods[row.jurisdiction].years)
        risky.append(LimitationRow(row.id, row.firm_file_number, row.name, row.jurisdiction,
                                   row.date_of_injury, deadline, (deadline - as_of).days))
    risky.sort(key=lambda r: (r.deadline, r.case_id))
    return LimitationRisk(
        risky, at_risk[0].total if at_risk else 0,
        [LimitationRow(r.id, r.firm_file_number, r.name, r.jurisdiction, r.date_of_injury,
                       None, None) for r in unknown], unknown[0].total if unknown else 0)
