"""Billing-report rules as data: the aging buckets, which cases owe, the limitation warning."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from lienrx.cases import rules as case_rules


@dataclass(frozen=True)
class Bucket:
    """An age range in days (``last`` None: no upper bound), named as the API names it."""

    name: str
    first: int
    last: int | None


# SPEC §7.8: a balance is aged by its first unpaid charge, in these ranges of days.
BUCKETS = (Bucket("0-90", 0, 90), Bucket("91-180", 91, 180), Bucket("181-365", 181, 365),
           Bucket("366-730", 366, 730), Bucket("731+", 731, None))
BUCKET_NAMES = tuple(b.name for b in BUCKETS)

# Cases whose balance is still owed: every status but the closed ones (a closed case's
# balance was paid or written off). Intake is included: a case back in intake after a
# substitution of counsel keeps the balance it ran up.
OWING_STATUSES = tuple(s for s in case_rules.STATUSES if s not in case_rules.CLOSED_STATUSES)

# A lien is at limitation risk when its deadline is this close (or past) with no suit filed.
LIMITATION_WARNING_DAYS = 180

SHOWN = 200  # rows listed on the board per list; the rest are counted


def anniversary(day: date, years: int) -> date:
    """``day`` plus whole years; 29 February falls back to the 28th in a common year (the
    earlier day, so a deadline is never shown later than it could be)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)
