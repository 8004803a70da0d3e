"""State PDMP profiles as data: ASAP version, drug scope, lien payment code, required
segments, reporting deadline.

What each entry may claim is limited to what compliance.md cites; where it gives nothing
specific for a state, the profile says so in ``unconfirmed`` rather than inventing it:

- Scope: CII–CV in every state (§3.3); gabapentin is a state Schedule V drug in AL, KY, ND,
  TN, VA and WV (§2.1), which ``lienrx.prescribing.rules.STATE_RULES`` already holds, so a
  state's own schedules come from there through ``effective_schedule``. States that want
  gabapentin reported without scheduling it ("drug of concern", §2.1: CT, IN, KS, MA, MN, NE,
  NJ, OH, OR, WI, WY, DC) would list it in ``drugs_of_concern``.
- Deadline: "within 24 hours, or by the next business day" is the dominant rule (§3.3).
- Lien payment code (DSP16): letters of protection are not insurance; 01 or 99 are usual,
  99 by default (SPEC §7.6, compliance.md §3.2) — confirm per state guide.
- Shipped-in dispenses: a state whose profile sets ``reports_shipped_in`` takes the
  dispenses a pharmacy elsewhere ships (mail, courier) to its residents; compliance.md does
  not cover nonresident reporting, so each such entry says so in ``unconfirmed``.
- Revisions: a reported record whose fields later change is re-sent as a revision (DSP01
  ``01``) when its fill date is within ``revision_window_days`` of the report date; older
  records are not re-checked (a pharmacy policy default of a year, not a state rule).
- DSP12 origin codes: 01 written, 02 telephone and 05 electronic are VistA's
  (``DSP12^PSOASAP0``); 04 fax is [kb, verify] (compliance.md §3.2 notes fax codes exist).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from lienrx.prescribing import rules as rx_rules

FEDERAL_SCHEDULES = ("II", "III", "IV", "V")
ORIGIN_CODES = {"written": "01", "verbal": "02", "fax": "04", "electronic": "05"}
OTHER_ORIGIN = "99"


@dataclass(frozen=True)
class Profile:
    """What one state's PDMP asks of a dispenser's file."""

    state: str
    version: str = "4.2"
    schedules: tuple[str, ...] = FEDERAL_SCHEDULES
    drugs_of_concern: tuple[str, ...] = ()
    lien_payment_code: str = "99"
    required_segments: frozenset[str] = frozenset()
    deadline_business_days: int = 1
    reports_shipped_in: bool = False  # takes dispenses shipped to its residents from elsewhere
    revision_window_days: int = 365
    origin_codes: dict[str, str] = field(default_factory=lambda: dict(ORIGIN_CODES))
    sources: str = ""
    unconfirmed: str = ""

    @property
    def requires_air(self) -> bool:
        return "AIR" in self.required_segments

    def origin_code(self, source: str | None) -> str:
        """DSP12 for how the prescription reached the pharmacy (99 when unknown)."""
        return self.origin_codes.get(source or "", OTHER_ORIGIN)

    def in_scope(self, federal: str | None, dur_classes: list[str],
                 rule: rx_rules.StateRule) -> bool:
        """Whether a product is reported: scheduled (federally, or by the state rules given)
        in a schedule the state collects, or one of its drugs of concern."""
        schedule = rx_rules.effective_schedule(federal, dur_classes, rule)
        return schedule in self.schedules or any(c in self.drugs_of_concern
                                                 for c in dur_classes)

    def deadline(self, report_date: date) -> date:
        """The last day a report for ``report_date`` is on time (business days after it)."""
        return add_business_days(report_date, self.deadline_business_days)


def is_business_day(day: date) -> bool:
    """Monday to Friday. State holidays are not modelled (no source in compliance.md)."""
    return day.weekday() < 5


def add_business_days(day: date, count: int) -> date:
    """``count`` business days after ``day``."""
    while count > 0:
        day += timedelta(days=1)
        if is_business_day(day):
            count -= 1
    return day


PROFILES: dict[str, Profile] = {
    "TN": Profile(
        state="TN",
        sources=("compliance.md §2.1 (gabapentin state CV in TN, through STATE_RULES), §3.2 "
                 "(segments, zero report), §3.3 (next-business-day deadline, CII–CV scope); "
                 "SPEC §7.6 (lien payment code 99)."),
        unconfirmed=("The TN dispenser guide itself is not in compliance.md: its ASAP "
                     "version (4.2 assumed), required optional fields (none assumed, no AIR), "
                     "its lien payment code and holiday calendar are not confirmed."),
    ),
    "GA": Profile(
        state="GA",
        sources=("compliance.md §3.3 (CII–CV scope, next-business-day deadline); §2.1 does "
                 "not list Georgia among the states that schedule gabapentin or report it "
                 "as a drug of concern, and STATE_RULES has no entry for it."),
        unconfirmed=("The GA dispenser guide is not in compliance.md: 'not listed' in §2.1 is "
                     "not a confirmation that gabapentin is out of scope; version, required "
                     "fields and the payment code are the defaults, not confirmed."),
    ),
    "KY": Profile(
        state="KY",
        reports_shipped_in=True,
        sources=("compliance.md §2.1 (gabapentin state CV in KY, through STATE_RULES), §3.3 "
                 "(CII–CV scope, next-business-day deadline)."),
        unconfirmed=("The KY dispenser guide is not in compliance.md: that Kentucky takes "
                     "dispenses shipped to its residents by a pharmacy in another state is "
                     "assumed (reports_shipped_in), as are the version, required fields, "
                     "payment code and deadline."),
    ),
}


def profile_for(state: str) -> Profile | None:
    """The profile of a state, or None when none is seeded."""
    return PROFILES.get(state.upper())
