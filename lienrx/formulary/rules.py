"""Formulary vocabularies and the USP <795> beyond-use-date categories, as data."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

KINDS = ("commercial", "compounded")
ROUTES = ("oral", "sublingual", "topical", "transdermal")
# Route groups for refill timing (SPEC §7.2): a topical supply does not overlap a systemic one.
ROUTE_GROUPS = {"oral": "systemic", "sublingual": "systemic", "topical": "topical",
                "transdermal": "topical"}
UNITS = ("g", "mL", "each")
SCHEDULES = ("II", "III", "IV", "V")
INGREDIENT_ROLES = ("api", "excipient")
# An MFR's strength is of the salt weighed (e.g. ketamine HCl 10 %) or of the base it carries.
STRENGTH_BASES = ("salt", "base")

# Plausibility limits on one dispense (SPEC §7.2). These are pharmacy policy defaults, not
# regulatory facts: no label or rule fixes a largest fill. A product without its own limits
# in the formulary takes these: 90 days, and per unit 4 a day for 90 days (`each`), 500 g or
# 1000 mL.
DEFAULT_MAX_DAYS_SUPPLY = 90
DEFAULT_MAX_QUANTITY_PER_FILL = {"each": 360, "g": 500, "mL": 1000}
DEFAULT_LIMITS_SOURCE = ("Pharmacy policy default, not a regulatory limit: "
                         "at most 90 days and 360 each / 500 g / 1000 mL per fill.")


@dataclass(frozen=True)
class BudCategory:
    """A USP <795> (2023) Table 4 default: days from compounding, and the storage it assumes."""

    days: int
    storage: str


def routes_in_group(route: str) -> tuple[str, ...]:
    """Every route in ``route``'s group (an unknown route is a group of its own)."""
    group = ROUTE_GROUPS.get(route)
    return tuple(r for r, g in ROUTE_GROUPS.items() if g == group) if group else (route,)


BUD_CATEGORIES: dict[str, BudCategory] = {
    "aqueous_nonpreserved": BudCategory(14, "refrigerator 2-8 °C"),
    "aqueous_preserved": BudCategory(35, "controlled room temperature or refrigerator"),
    "nonaqueous_oral_liquid": BudCategory(90, "controlled room temperature or refrigerator"),
    "nonaqueous_other": BudCategory(180, "controlled room temperature or refrigerator"),
}

# The drug substance's amount may differ from strength × batch (× salt factor) by rounding.
SALT_BASIS_TOLERANCE = Decimal("0.005")
# A QC check's name is also the key of its result and part of a page's input names.
QC_CHECK_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,39}")
# What the seed loader records when it approves a version it loaded (no pharmacist did).
SEED_APPROVAL = ("Approved by the system when the seed formulary was loaded, not by a "
                 "pharmacist of this pharmacy: review and approve before relying on it.")

# USP <795> (2023): a BUD extended by a stability study may not exceed 180 days.
MAX_STABILITY_BUD_DAYS = 180

# Units an ingredient may be weighed or measured in, as a multiple of the base unit.
MASS = {"kg": "1000", "g": "1", "mg": "0.001", "mcg": "0.000001"}
VOLUME = {"L": "1000", "mL": "1"}
COUNT = {"each": "1"}
UNIT_DIMENSIONS = (MASS, VOLUME, COUNT)
INGREDIENT_UNITS = tuple(u for dim in UNIT_DIMENSIONS for u in dim)
