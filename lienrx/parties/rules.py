"""Rules about parties as data: prescribers' credentials, the patient clinical profile's
choices and plausible ranges, and how last names compare when looking for a patient
registered twice."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from decimal import Decimal

# The professional credentials a prescriber signs with; the label prints one after the name
# ("Jane Roe, MD"), never a title guessed for everyone.
CREDENTIALS = ("MD", "DO", "NP", "APRN", "CNM", "PA-C", "DDS", "DMD", "DPM", "OD")

SEXES = ("female", "male", "unknown")
OUTSIDE_MEDICATION_SOURCES = ("patient", "other_pharmacy", "pdmp", "prescriber")
ALLERGY_SEVERITIES = ("mild", "moderate", "severe")  # suggested on the form; free text allowed
MAX_ALLERGIES = 50


@dataclass(frozen=True)
class Plausible:
    """The range a measurement of a person can fall in; outside it is a typing error."""

    low: Decimal
    high: Decimal
    unit: str


PLAUSIBLE: dict[str, Plausible] = {
    "weight_kg": Plausible(Decimal("0.5"), Decimal("400"), "kg"),
    "height_cm": Plausible(Decimal("30"), Decimal("250"), "cm"),
    "creatinine_clearance": Plausible(Decimal("1"), Decimal("250"), "mL/min"),
    "dose_mg_per_day": Plausible(Decimal("0.001"), Decimal("100000"), "mg/day"),
}

# Left out when last names are compared (API.md, duplicate patients): spaces, hyphens and
# apostrophes, in their typewriter and typographic forms (any white space counts as a space).
NAME_SEPARATORS = frozenset("-\u2010\u2011\u2012\u2013\u2014'\u2018\u2019\u02bc`\u00b4")


def duplicate_name(last_name: str) -> str:
    """A last name as patients are compared for duplicates: case-insensitive, accents folded,
    spaces, hyphens and apostrophes ignored ("O'Brien-Smith" → "obriensmith",
    "Müller" → "muller")."""
    decomposed = unicodedata.normalize("NFKD", last_name).casefold()
    return "".join(c for c in decomposed
                   if not unicodedata.combining(c) and c not in NAME_SEPARATORS
                   and not c.isspace())
