"""Prescribing rules as data: DEA schedules, state overrides, validity, refill thresholds.

Sources: 21 CFR 1306.22 (CIII/CIV: at most 5 refills, no fill more than 6 months after
issue), SPEC §4.4 (CII: no refills, 90-day default validity; CV and non-controlled: refills as
written, 1 year, configurable per state), compliance.md §2.1 (gabapentin is a state Schedule V
drug in AL, KY, ND, TN, VA, WV) and §7.2 (refill-too-soon thresholds are pharmacy policy).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

NON_CONTROLLED = "non_controlled"
STATUSES = ("active", "exhausted", "expired", "cancelled")
STORED_STATUSES = ("active", "exhausted", "cancelled")  # "expired" is derived from the date
SOURCES = ("electronic", "fax", "written", "verbal")


@dataclass(frozen=True)
class Validity:
    """How long after the written date a fill is allowed: calendar months or days."""

    months: int = 0
    days: int = 0

    def last_fill_date(self, written_on: date) -> date:
        """The last day a fill is allowed (months clamp to the end of a shorter month)."""
        return add_months(written_on, self.months) + timedelta(days=self.days)


@dataclass(frozen=True)
class ScheduleRule:
    """What a schedule allows: refills (None: as written), validity, DEA number, threshold."""

    max_refills: int | None
    validity: Validity
    requires_dea: bool
    refill_too_soon: Decimal


SCHEDULE_RULES: dict[str, ScheduleRule] = {
    "II": ScheduleRule(0, Validity(days=90), True, Decimal("0.85")),
    "III": ScheduleRule(5, Validity(months=6), True, Decimal("0.85")),
    "IV": ScheduleRule(5, Validity(months=6), True, Decimal("0.85")),
    "V": ScheduleRule(None, Validity(months=12), True, Decimal("0.80")),
    NON_CONTROLLED: ScheduleRule(None, Validity(months=12), False, Decimal("0.75")),
}


@dataclass(frozen=True)
class StateRule:
    """A state's additions: drugs it schedules itself (by DUR class), and validity overrides."""

    schedule_overrides: dict[str, str] = field(default_factory=dict)
    validity_overrides: dict[str, Validity] = field(default_factory=dict)


_GABAPENTIN_CV = StateRule(schedule_overrides={"gabapentin": "V"})

# The case's jurisdiction picks the entry; a state without one follows the pharmacy's home
# state (LIENRX_DEFAULT_STATE, TN by default).
STATE_RULES: dict[str, StateRule] = {
    "TN": _GABAPENTIN_CV,
    "AL": _GABAPENTIN_CV,
    "KY": _GABAPENTIN_CV,
    "ND": _GABAPENTIN_CV,
    "VA": _GABAPENTIN_CV,
    "WV": _GABAPENTIN_CV,
}


def add_months(day: date, months: int) -> date:
    """``day`` plus calendar months, clamped to the last day of the resulting month."""
    years, month0 = divmod(day.month - 1 + months, 12)
    year, month = day.year + years, month0 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def state_rule(jurisdiction: str | None, default_state: str) -> StateRule:
    """The state rule for a jurisdiction, else the pharmacy's home state's, else none."""
    if jurisdiction and jurisdiction in STATE_RULES:
        return STATE_RULES[jurisdiction]
    return STATE_RULES.get(default_state, StateRule())


def effective_schedule(federal: str | None, dur_classes: list[str], state: StateRule) -> str:
    """The schedule that governs a product in a state: the federal one, else a state's own."""
    if federal:
        return federal
    for drug_class in dur_classes:
        if drug_class in state.schedule_overrides:
            return state.schedule_overrides[drug_class]
    return NON_CONTROLLED


def expires_on(schedule: str, written_on: date, state: StateRule) -> date:
    """The last day a prescription of ``schedule`` written on ``written_on`` may be filled."""
    validity = state.validity_overrides.get(schedule, SCHEDULE_RULES[schedule].validity)
    return validity.last_fill_date(written_on)


def refill_too_soon_threshold(schedule: str | None) -> Decimal:
    """Fraction of the previous fill's days supply that must elapse before the next fill."""
    return SCHEDULE_RULES[schedule or NON_CONTROLLED].refill_too_soon
