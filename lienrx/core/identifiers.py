"""Validation of the identifiers the pharmacy deals in: NPI, DEA number, NDC, ICD-10-CM."""

from __future__ import annotations

import re

_DEA_RE = re.compile(r"^[A-Z][A-Z9]\d{7}$")
PRESCRIBER_DEA_PREFIXES = frozenset("ABFGM")
_ICD10_RE = re.compile(r"^[A-TV-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$")


def npi_valid(npi: str) -> bool:
    """True for a 10-digit NPI whose Luhn check over 80840 + the first 9 digits holds."""
    if len(npi) != 10 or not npi.isdigit() or npi[0] not in "12":
        return False
    total = 24  # the constant contribution of the 80840 prefix
    for i, ch in enumerate(reversed(npi[:9])):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return (10 - total % 10) % 10 == int(npi[9])


def dea_shape_valid(dea: str) -> bool:
    """True for any DEA registration number: a letter, a letter or 9, 7 digits, check digit."""
    dea = dea.strip().upper()
    if not _DEA_RE.match(dea):
        return False
    d = [int(c) for c in dea[2:]]
    return ((d[0] + d[2] + d[4]) + 2 * (d[1] + d[3] + d[5])) % 10 == d[6]


def dea_valid(dea: str) -> bool:
    """True for a prescriber DEA number: letter A/B/F/G/M, letter or 9, 7 digits, check digit."""
    return dea_shape_valid(dea) and dea.strip().upper()[0] in PRESCRIBER_DEA_PREFIXES


def normalize_ndc(ndc: str) -> str:
    """Normalise a hyphenated 4-4-2, 5-3-2 or 5-4-1 NDC (or 11 digits) to 11-digit 5-4-2.

    An unhyphenated 10-digit NDC is ambiguous and refused.
    """
    ndc = ndc.strip()
    if ndc.isdigit() and len(ndc) == 11:
        return ndc
    parts = ndc.split("-")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        raise ValueError("NDC must be 11 digits or hyphenated 4-4-2, 5-3-2 or 5-4-1")
    shape = tuple(len(p) for p in parts)
    if shape not in {(4, 4, 2), (5, 3, 2), (5, 4, 1), (5, 4, 2)}:
        raise ValueError("NDC must be 11 digits or hyphenated 4-4-2, 5-3-2 or 5-4-1")
    return parts[0].zfill(5) + parts[1].zfill(4) + parts[2].zfill(2)


def icd10_format_valid(code: str) -> bool:
    """True when a code has the ICD-10-CM shape (letter, digit, alnum, optional .1-4 chars)."""
    return bool(_ICD10_RE.match(code.strip().upper()))
