"""Case rules as data: the status machine, US jurisdictions, ICD-10-CM CRPS codes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from lienrx.core.identifiers import icd10_format_valid

INTAKE, ACTIVE, ON_HOLD, SETTLED, CLOSED, CLOSED_NO_RECOVERY = (
    "intake", "active", "on_hold", "settled", "closed", "closed_no_recovery")
STATUSES = (INTAKE, ACTIVE, ON_HOLD, SETTLED, CLOSED, CLOSED_NO_RECOVERY)
CLOSED_STATUSES = (CLOSED, CLOSED_NO_RECOVERY)


def status_words(status: str) -> str:
    """A case status as a sentence says it: "closed_no_recovery" → "closed no recovery"."""
    return status.replace("_", " ")


# status -> the statuses it may move to
TRANSITIONS: dict[str, frozenset[str]] = {
    INTAKE: frozenset({ACTIVE, ON_HOLD, CLOSED_NO_RECOVERY}),
    ACTIVE: frozenset({INTAKE, ON_HOLD, SETTLED, CLOSED, CLOSED_NO_RECOVERY}),
    ON_HOLD: frozenset({INTAKE, ACTIVE, SETTLED, CLOSED_NO_RECOVERY}),
    SETTLED: frozenset({CLOSED, CLOSED_NO_RECOVERY}),
    CLOSED: frozenset(),
    CLOSED_NO_RECOVERY: frozenset(),
}

MECHANISMS = ("motor_vehicle", "slip_and_fall", "workplace", "crush", "fracture", "surgical",
              "other")
LATERALITIES = ("left", "right", "bilateral", "unspecified")
TREATMENT_KINDS = ("iv_ketamine_infusion", "sympathetic_nerve_block", "spinal_cord_stimulator",
                   "physical_therapy", "other")

# What may be corrected on a case after it is opened (cases.edits); the law firm changes only
# by substitution of counsel, the diagnoses not at all (prescriptions name them).
EDITABLE_CASE_FIELDS = ("firm_file_number", "date_of_injury", "injury_mechanism",
                        "mechanism_narrative", "jurisdiction")
# The facts of the injury: evidence on the POGOS, so a change says why.
CASE_FIELDS_NEEDING_REASON = ("date_of_injury", "injury_mechanism", "mechanism_narrative",
                              "jurisdiction")
# Codes the audit log may hold old and new values of; the file number, the date of injury and
# the narrative identify the client or describe their health (PHI): named, never shown.
PHI_FREE_CASE_FIELDS = ("injury_mechanism", "jurisdiction")

US_STATES = frozenset(
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH "
    "NJ NM NY NC ND OH OK OR PA PR RI SC SD TN TX UT VT VA WA WV WI WY".split()
)


@dataclass(frozen=True)
class CrpsCode:
    """A billable CRPS code: type I or II, the limb region and side it names (None: unnamed)."""

    crps_type: str
    region: str | None
    side: str | None


CRPS_CODES: dict[str, CrpsCode] = {
    "G90.50": CrpsCode("I", None, None),
    "G90.511": CrpsCode("I", "upper", "right"),
    "G90.512": CrpsCode("I", "upper", "left"),
    "G90.513": CrpsCode("I", "upper", "bilateral"),
    "G90.519": CrpsCode("I", "upper", "unspecified"),
    "G90.521": CrpsCode("I", "lower", "right"),
    "G90.522": CrpsCode("I", "lower", "left"),
    "G90.523": CrpsCode("I", "lower", "bilateral"),
    "G90.529": CrpsCode("I", "lower", "unspecified"),
    "G90.59": CrpsCode("I", None, None),
    "G56.40": CrpsCode("II", "upper", "unspecified"),
    "G56.41": CrpsCode("II", "upper", "right"),
    "G56.42": CrpsCode("II", "upper", "left"),
    "G56.43": CrpsCode("II", "upper", "bilateral"),
    "G57.70": CrpsCode("II", "lower", "unspecified"),
    "G57.71": CrpsCode("II", "lower", "right"),
    "G57.72": CrpsCode("II", "lower", "left"),
    "G57.73": CrpsCode("II", "lower", "bilateral"),
}
# Header codes of the CRPS families: valid-looking but not billable.
CRPS_FAMILIES = ("G90.5", "G56.4", "G57.7")


def normalize_icd10(code: str) -> str:
    """Upper-case and put the dot after the category: 'g90511' -> 'G90.511'."""
    code = code.strip().upper().replace(" ", "")
    if "." not in code and len(code) > 3:
        code = f"{code[:3]}.{code[3:]}"
    return code


def icd10_problem(code: str) -> str | None:
    """Why a (normalised) ICD-10-CM code is refused, or None if it is acceptable."""
    if not icd10_format_valid(code):
        return f"{code} is not an ICD-10-CM code."
    if code.startswith(CRPS_FAMILIES) and code not in CRPS_CODES:
        return f"{code} is not a billable CRPS code; use the full code (e.g. G90.511)."
    return None


def _sides_overlap(a: str, b: str) -> bool:
    return a == b or "unspecified" in (a, b) or "bilateral" in (a, b)


def crps_same_limb_conflict(codes: list[str]) -> tuple[str, str] | None:
    """The first CRPS I / CRPS II pair naming the same limb, if any (they exclude each other)."""
    named = [(c, CRPS_CODES[c]) for c in codes if c in CRPS_CODES]
    for code_i, one in named:
        if one.crps_type != "I" or one.region is None or one.side is None:
            continue
        for code_ii, two in named:
            if (two.crps_type == "II" and two.region == one.region and two.side is not None
                    and _sides_overlap(one.side, two.side)):
                return code_i, code_ii
    return None


def quiet_days(status: str, last_fill: date | None, opened_on: date, today: date,
               after: int) -> int | None:
    """Days an active lien has had no fill (since opening if never filled), when ≥ ``after``."""
    if status != ACTIVE:
        return None
    days = (today - (last_fill or opened_on)).days
    return days if days >= after else None


# What a read of a case releases, as the accounting of disclosures to law firms records it
# (45 CFR 164.528 asks for "a brief description of the protected health information
# disclosed"): every read of a case names one, and the first in a request is logged.
CASE = "case"  # the case itself: client, diagnoses, balance (API case, the portal case page)
CASE_LIST = "case_list"  # the client's name and balance in the firm's list of cases
LEDGER = "ledger"
DISPENSES = "dispenses"
POGOS = "pogos"  # a signed attestation (POGOS) or the records-custodian certificate
DOCUMENT = "document"  # a case document or the list of them
LETTER = "letter"  # a release or closing letter
PAYOFF = "payoff"  # the payoff figure, a payoff statement or a settlement preview
WHAT = (CASE, CASE_LIST, LEDGER, DISPENSES, POGOS, DOCUMENT, LETTER, PAYOFF)

# What an attorney sees of a case while no HIPAA authorization naming the firm is in force.
UNAUTHORIZED_CASE_FIELDS = ("id", "firm_file_number", "status")
