"""The ASAP 4.2 file writer: plain typed records in, one delimited PDMP file out.

Pure: no database, no Flask. Segment and element positions follow compliance.md §3.1–§3.2,
which reads them from VA VistA's ASAP routines (WorldVistA/VistA-M, ``Packages/Outpatient
Pharmacy/Routines/PSOASAP.m`` and ``PSOASAP0.m``, patch PSO*7*408/451):

- TH02 is the transaction control number and TT01 repeats it (``TT01^PSOASAP0``);
- TP01 counts the pharmacy's segments from PHA through TP inclusive, TT02 every segment
  from TH through TT inclusive (VistA's ``PSOTPCNT`` / ``PSOTTCNT`` counters);
- free text has the delimiters ``*``, ``~`` and ``\\`` replaced by ``+``, ``-`` and ``|``
  (``ESC^PSOASAP0``); we also drop control characters;
- phone numbers are digits only, at most 10, a leading 1 dropped (``PHONE^PSOASAP0``);
- DSP13 partial-fill indicator is ``00`` for a complete fill, ``01``, ``02``… for partials.

CDI element order (sequence, product ID qualifier, product ID, description, quantity, units
code) is VistA's CDI01–CDI05 plus the 4.2 dosage-units code as CDI06; compliance.md §9.4
marks the CDI order and the compound qualifier (DSP07 ``06``, DSP08 ``99999``) as
[verify against the state guide].
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal

ELEMENT = "*"
TERMINATOR = "~"
VERSIONS = ("4.2", "4.2A", "4.2B")
NEW, REVISE, VOID = "00", "01", "02"
NDC_QUALIFIER, COMPOUND_QUALIFIER = "01", "06"
COMPOUND_PRODUCT_ID = "99999"
UNIT_CODES = {"each": "01", "mL": "02", "g": "03"}

_ESCAPES = str.maketrans({"*": "+", "~": "-", "\\": "|"})
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def clean(text: str | None) -> str:
    """Free text made safe for an element: delimiters replaced, control characters dropped."""
    if not text:
        return ""
    return _CONTROL.sub(" ", text.translate(_ESCAPES)).strip()


def phone(text: str | None) -> str:
    """Digits only, at most 10, without a leading country code 1."""
    digits = re.sub(r"\D", "", text or "")
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    return digits[:10]


def number(value: Decimal | int) -> str:
    """A quantity without trailing zeros: 90.000 → ``90``, 2.500 → ``2.5``."""
    text = format(Decimal(value).normalize(), "f")
    return text


def day(value: date | None) -> str:
    return value.strftime("%Y%m%d") if value else ""


@dataclass(frozen=True)
class Header:
    """The transaction: version, control number, when it was made, production or test."""

    version: str
    control_number: str
    created_at: datetime
    source_id: str
    source_name: str
    file_type: str = "P"


@dataclass(frozen=True)
class Pharmacy:
    """PHA: who dispensed."""

    npi: str
    dea: str
    name: str
    address: str
    city: str
    state: str
    zip: str
    phone: str = ""
    ncpdp: str = ""


@dataclass(frozen=True)
class Patient:
    """PAT: who received it. ``sex`` is F, M or U."""

    last_name: str
    first_name: str
    address: str
    city: str
    state: str
    zip: str
    date_of_birth: date
    sex: str
    phone: str = ""


@dataclass(frozen=True)
class Prescriber:
    """PRE: who prescribed."""

    npi: str
    dea: str
    last_name: str
    first_name: str
    state_license: str = ""
    phone: str = ""


@dataclass(frozen=True)
class Ingredient:
    """CDI: one controlled ingredient of a compound, with its NDC and quantity."""

    ndc: str
    quantity: Decimal
    unit_code: str
    description: str = ""


@dataclass(frozen=True)
class Additional:
    """AIR: additional information a state asks for (here, the dispensing pharmacist)."""

    pharmacist_last_name: str
    pharmacist_first_name: str = ""


@dataclass(frozen=True)
class Dispensing:
    """One DSP record with its patient, prescriber, compound ingredients and AIR data."""

    status: str
    rx_number: str
    written_on: date
    refills_authorized: int
    filled_on: date
    refill_number: int
    product_qualifier: str
    product_id: str
    quantity: Decimal
    days_supply: int
    unit_code: str
    origin_code: str
    partial_fill: str
    payment_type: str
    patient: Patient
    prescriber: Prescriber
    pharmacist_npi: str = ""
    pharmacist_license: str = ""
    sold_on: date | None = None
    ingredients: tuple[Ingredient, ...] = field(default_factory=tuple)
    additional: Additional | None = None


def _segment(tag: str, *elements: str) -> str:
    values = list(elements)
    while values and values[-1] == "":  # trailing empty elements may be dropped
        values.pop()
    return ELEMENT.join([tag, *values]) + TERMINATOR


def _th(header: Header) -> str:
    if header.version not in VERSIONS:
        raise ValueError(f"ASAP version {header.version!r} is not one of {VERSIONS}")
    return _segment("TH", header.version, clean(header.control_number), "01", "",
                    header.created_at.strftime("%Y%m%d"), header.created_at.strftime("%H%M%S"),
                    header.file_type, "", TERMINATOR)


def _is(header: Header) -> str:
    return _segment("IS", clean(header.source_id), clean(header.source_name))


def _pha(p: Pharmacy) -> str:
    return _segment("PHA", clean(p.npi), clean(p.ncpdp), clean(p.dea), clean(p.name),
                    clean(p.address), "", clean(p.city), clean(p.state), clean(p.zip),
                    phone(p.phone))


def _pat(p: Patient) -> str:
    return _segment("PAT", "", "", "", "", "", "", clean(p.last_name), clean(p.first_name),
                    "", "", "", clean(p.address)[:35], "", clean(p.city), clean(p.state),
                    clean(p.zip), phone(p.phone), day(p.date_of_birth), p.sex, "01")


def _dsp(d: Dispensing) -> str:
    return _segment("DSP", d.status, clean(d.rx_number), day(d.written_on),
                    str(d.refills_authorized), day(d.filled_on), str(d.refill_number),
                    d.product_qualifier, clean(d.product_id), number(d.quantity),
                    str(d.days_supply), d.unit_code, d.origin_code, d.partial_fill,
                    clean(d.pharmacist_npi), clean(d.pharmacist_license), d.payment_type,
                    day(d.sold_on or d.filled_on))


def _pre(p: Prescriber) -> str:
    return _segment("PRE", clean(p.npi), clean(p.dea), "", clean(p.state_license),
                    clean(p.last_name), clean(p.first_name), "", phone(p.phone))


def _cdi(sequence: int, i: Ingredient) -> str:
    return _segment("CDI", str(sequence), NDC_QUALIFIER, clean(i.ndc), clean(i.description),
                    number(i.quantity), i.unit_code)


def _air(a: Additional) -> str:
    return _segment("AIR", "", "", "", "", "", "", "", "", clean(a.pharmacist_last_name),
                    clean(a.pharmacist_first_name))


def _dispensing_segments(d: Dispensing, with_air: bool) -> list[str]:
    segments = [_dsp(d), _pre(d.prescriber)]
    segments += [_cdi(n, i) for n, i in enumerate(d.ingredients, start=1)]
    if with_air:
        segments.append(_air(d.additional or Additional("")))
    return segments


def fingerprint(d: Dispensing) -> str:
    """SHA-256 of what a record reports (its PAT, DSP, PRE, CDI and AIR segments as written,
    with DSP01 as new): equal digests mean the state was told the same thing."""
    segments = [_pat(d.patient), *_dispensing_segments(replace(d, status=NEW),
                                                      d.additional is not None)]
    return hashlib.sha256("".join(segments).encode()).hexdigest()


def _transaction(header: Header, pharmacy: Pharmacy, detail: list[str]) -> str:
    pharmacy_segments = [_pha(pharmacy), *detail]
    pharmacy_segments.append(_segment("TP", str(len(pharmacy_segments) + 1)))
    segments = [_th(header), _is(header), *pharmacy_segments]
    segments.append(_segment("TT", clean(header.control_number), str(len(segments) + 1)))
    return "\n".join(segments) + "\n"


def write(header: Header, pharmacy: Pharmacy, dispensings: Sequence[Dispensing], *,
          with_air: bool = False) -> str:
    """The ASAP file for these records: one PAT per patient, its DSP records under it.

    Each segment ends with ``~`` and a newline (states accept CR/LF after the terminator,
    compliance.md §3.1). ``with_air`` adds one AIR per DSP (the state profile asks for it).
    """
    if not dispensings:
        raise ValueError("no records: write a zero report instead")
    by_patient: dict[Patient, list[Dispensing]] = {}
    for d in dispensings:
        by_patient.setdefault(d.patient, []).append(d)
    detail: list[str] = []
    for patient, records in by_patient.items():
        detail.append(_pat(patient))
        for record in records:
            detail += _dispensing_segments(record, with_air)
    return _transaction(header, pharmacy, detail)


def zero_report(header: Header, pharmacy: Pharmacy, report_date: date, *,
                with_air: bool = False) -> str:
    """The zero report for a date with nothing to report: PAT07 ``REPORT``, PAT08 ``ZERO``,
    DSP05 the report date (compliance.md §3.2), and an empty PRE so the hierarchy holds."""
    detail = [_segment("PAT", "", "", "", "", "", "", "REPORT", "ZERO"),
              _segment("DSP", "", "", "", "", day(report_date)), "PRE" + ELEMENT + TERMINATOR]
    if with_air:
        detail.append("AIR" + ELEMENT + TERMINATOR)
    return _transaction(header, pharmacy, detail)
