"""Controlled-substance inventory rules (SPEC §7.5, 21 CFR 1301.76, 1304.11), as data."""

from __future__ import annotations

from datetime import date, timedelta

# Every kind of movement and the way it moves a lot's on hand: +1 adds, -1 takes away,
# 0 either way (a count's variance). The journal's CHECK constraint is built from this table.
KIND_SIGNS: dict[str, int] = {
    "receipt": 1,
    "compounding_use": -1,
    "dispense": -1,
    "return_to_stock": 1,
    "waste": -1,
    "destruction": -1,
    "loss": -1,
    "theft": -1,
    "adjustment": 0,
}
KINDS = tuple(KIND_SIGNS)
# What compounding and dispensing draw as (``services.draw``).
DRAW_KINDS = ("compounding_use", "dispense")
# What a pharmacist records by hand (POST /inventory/movements) and what each needs.
MANUAL_KINDS = ("waste", "destruction", "loss", "theft", "adjustment")
WITNESSES_NEEDED = {"waste": 1, "destruction": 2}  # DEA Form 41: two authorized employees
NEEDS_METHOD = ("destruction",)                     # DEA Form 41: the method of destruction
NEEDS_DISCOVERY = ("loss", "theft")                 # DEA Form 106: the date discovered

COUNT_KINDS = ("biennial", "periodic")
BUSINESS_HOURS = ("opening", "closing")             # 21 CFR 1304.11(a): which it was, recorded
# 21 CFR 1304.11(e)(3): Schedule III-V opened containers may be estimated; Schedule II never.
EXACT_COUNT_SCHEDULES = ("II",)
BIENNIAL_YEARS = 2                                  # 21 CFR 1304.11(c)
BIENNIAL_WARNING_DAYS = 60                          # the queue warns this long before it is due

NOTICE_BUSINESS_DAYS = 1   # 21 CFR 1301.76(b): written notice to the DEA within 1 business day
FORM_106_DAYS = 45         # DEA Form 106 filed within 45 days of discovery

# The lot's unit: what its perpetual inventory is kept in (the formulary's dispensing units).
UNITS = ("g", "mL", "each")


def biennial_due(last: date) -> date:
    """The last day the next biennial inventory may be taken, two years after ``last``."""
    try:
        return last.replace(year=last.year + BIENNIAL_YEARS)
    except ValueError:  # 29 February
        return last.replace(year=last.year + BIENNIAL_YEARS, day=28)


def add_business_days(day: date, count: int) -> date:
    """``count`` business days (Monday to Friday) after ``day``.

    Federal holidays are not skipped: the deadline shown is never later than the real one.
    """
    while count > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            count -= 1
    return day
