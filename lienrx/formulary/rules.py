"""Formulary vocabularies and the USP <795> beyond-use-date categories, as data."""

from __future__ import annotations

from dataclasses import dataclass

KINDS = ("commercial", "compounded")
ROUTES = ("oral", "sublingual", "topical", "transdermal")
UNITS = ("g", "mL", "each")
SCHEDULES = ("II", "III", "IV", "V")
INGREDIENT_ROLES = ("api", "excipient")


@dataclass(frozen=True)
class BudCategory:
    """A USP <795> (2023) Table 4 default: days from compounding, and the storage it assumes."""

    days: int
    storage: str


BUD_CATEGORIES: dict[str, BudCategory] = {
    "aqueous_nonpreserved": BudCategory(14, "refrigerator 2-8 °C"),
    "aqueous_preserved": BudCategory(35, "controlled room temperature or refrigerator"),
    "nonaqueous_oral_liquid": BudCategory(90, "controlled room temperature or refrigerator"),
    "nonaqueous_other": BudCategory(180, "controlled room temperature or refrigerator"),
}

# Units an ingredient may be weighed or measured in, as a multiple of the base unit.
MASS = {"kg": "1000", "g": "1", "mg": "0.001", "mcg": "0.000001"}
VOLUME = {"L": "1000", "mL": "1"}
COUNT = {"each": "1"}
UNIT_DIMENSIONS = (MASS, VOLUME, COUNT)
INGREDIENT_UNITS = tuple(u for dim in UNIT_DIMENSIONS for u in dim)
