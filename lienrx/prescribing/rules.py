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

# Structured dose (SPEC §7.3): the units a dose may be given in. "mg" and "g" of the drug, or
# the product's own dispensing unit (g of a cream, mL of a solution, each); "patch" counts the
# units of a patch product; "application" is an unmeasured application of a topical product.
DOSE_UNITS = ("mg", "g", "mL", "each", "patch", "application")
MG_PER_MASS_UNIT = {"mg": Decimal(1), "g": Decimal(1000)}
TOPICAL_ROUTES = ("topical", "transdermal")
# A dispense may run at most this fraction faster than the prescribed daily amount (SPEC §7.3:
# 409 days_supply_inconsistent). Pharmacy policy, as the specification sets it.
DISPENSE_RATE_TOLERANCE = Decimal("0.10")

# How a sig written from a structured dose says each route: the verb and where it goes.
ROUTE_WORDS = {"oral": ("Take", "by mouth"), "sublingual": ("Dissolve", "under the tongue"),
               "topical": ("Apply", "to the affected area"),
               "transdermal": ("Apply", "to the skin")}
# Times per day in words, for the sig written from a dose (others: "N times daily").
FREQUENCY_PHRASES = {Decimal("0.5"): "every other day", Decimal(1): "once daily",
                     Decimal(2): "twice daily", Decimal(3): "three times daily",
                     Decimal(4): "four times daily"}
# What a typed sig may say for a number of times per day, looked for in this order (the
# first found is what the sig says; "N times" in figures is read before any of them).
FREQUENCY_WORDS = {Decimal("0.5"): ("every other day", "qod"),
                   Decimal(4): ("four times", "qid"),
                   Decimal(3): ("three times", "tid"),
                   Decimal(2): ("twice", "two times", "bid"),
                   Decimal(1): ("once", "one time", "daily", "every day", "qd", "at bedtime",
                                "nightly", "qhs")}


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
    """What a schedule allows: refills (None: as written), validity, DEA number, threshold;
    sources it refuses, and how many days after the written date the rest of a partial fill
    may still go out (None: while the prescription is valid)."""

    max_refills: int | None
    validity: Validity
    requires_dea: bool
    refill_too_soon: Decimal
    refused_sources: tuple[str, ...] = ()
    partial_remainder_days: int | None = None


# Schedule II (21 CFR 1306.11, 1306.13(b)): no oral (verbal) order outside an emergency, and
# the rest of a partially filled prescription goes out within 30 days of the written date.
SCHEDULE_RULES: dict[str, ScheduleRule] = {
    "II": ScheduleRule(0, Validity(days=90), True, Decimal("0.85"),
                       refused_sources=("verbal",), partial_remainder_days=30),
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

# Keyed on the pharmacy's state (LIENRX_PHARMACY_STATE, TN by default) and, for a fill shipped
# to another state, that state too: the stricter of the two governs. Never the case's court
# venue (its jurisdiction), which says where the lawsuit is, not where the drug is dispensed.
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


@dataclass(frozen=True)
class EarliestOf(Validity):
    """The stricter of several validities: the earliest last fill date any of them allows."""

    options: tuple[Validity, ...] = ()

    def last_fill_date(self, written_on: date) -> date:
        """The earliest of the options' last fill dates."""
        return min(option.last_fill_date(written_on) for option in self.options)


SCHEDULE_STRICTNESS = ("II", "III", "IV", "V")  # stricter first


def _stricter_schedule(one: str, other: str) -> str:
    return min(one, other, key=SCHEDULE_STRICTNESS.index)


def _validity(state: StateRule, schedule: str) -> Validity:
    return state.validity_overrides.get(schedule, SCHEDULE_RULES[schedule].validity)


def stricter(one: StateRule, other: StateRule) -> StateRule:
    """The rules of two states at once: a drug either schedules is scheduled (in the stricter
    schedule when both do), and a prescription is valid until the earlier of their dates."""
    if one == other:
        return one
    schedules = dict(one.schedule_overrides)
    for drug_class, schedule in other.schedule_overrides.items():
        schedules[drug_class] = (_stricter_schedule(schedules[drug_class], schedule)
                                 if drug_class in schedules else schedule)
    validities: dict[str, Validity] = {
        schedule: EarliestOf(options=(_validity(one, schedule), _validity(other, schedule)))
        for schedule in {*one.validity_overrides, *other.validity_overrides}}
    return StateRule(schedule_overrides=schedules, validity_overrides=validities)


def state_rule(pharmacy_state: str, delivery_state: str | None = None) -> StateRule:
    """The rules a fill follows: the pharmacy's state's and, when it is shipped to another
    state, the stricter of the two states' (a state without an entry adds nothing)."""
    rule = STATE_RULES.get(pharmacy_state.upper(), StateRule())
    if delivery_state and delivery_state.upper() != pharmacy_state.upper():
        rule = stricter(rule, STATE_RULES.get(delivery_state.upper(), StateRule()))
    return rule


def effective_schedule(federal: str | None, dur_classes: list[str], state: StateRule) -> str:
    """The schedule that governs a product in a state: the federal one, else a state's own."""
    if federal:
        return federal
    for drug_class in dur_classes:
        if drug_class in state.schedule_overrides:
            return state.schedule_overrides[drug_class]
    return NON_CONTROLLED


def stricter_schedule(one: str, other: str) -> str:
    """The stricter of two schedules (any schedule is stricter than none)."""
    if NON_CONTROLLED in (one, other):
        return other if one == NON_CONTROLLED else one
    return _stricter_schedule(one, other)


def schedule_in_state(federal: str | None, dur_classes: list[str], state: str) -> str | None:
    """The schedule that governs a product in one state; None where it is not controlled."""
    schedule = effective_schedule(federal, dur_classes, state_rule(state))
    return None if schedule == NON_CONTROLLED else schedule


def expires_on(schedule: str, written_on: date, state: StateRule) -> date:
    """The last day a prescription of ``schedule`` written on ``written_on`` may be filled."""
    validity = state.validity_overrides.get(schedule, SCHEDULE_RULES[schedule].validity)
    return validity.last_fill_date(written_on)


def refill_too_soon_threshold(schedule: str | None) -> Decimal:
    """Fraction of the previous fill's days supply that must elapse before the next fill."""
    return SCHEDULE_RULES[schedule or NON_CONTROLLED].refill_too_soon

# Edits after entry (prescribing.edits). A prescription is a legal record: the drug and
# strength (the product), the prescriber and the case are what was ordered, never edited;
# a different one is cancelled and entered anew. Before anything is dispensed against it, a
# transcription error in these may be corrected, with a reason, and DUR reviews it again:
EDITABLE_BEFORE_FILL = ("sig", "dose", "indication", "diagnosis_codes", "quantity",
                        "days_supply", "refills_authorized", "written_on", "source")
# Once dispensed against, nothing of it changes: a clarification is annotated beside it
# (PrescriptionAnnotation), and a changed order is a new prescription.
# What the audit log may show old and new values of (quantities and codes; the directions,
# indication, diagnoses and dates of a patient's prescription are named, never shown).
PHI_FREE_EDIT_FIELDS = ("quantity", "days_supply", "refills_authorized", "source",
                        "dose_amount", "dose_unit", "dose_times_per_day")
