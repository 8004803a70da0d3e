"""What the HTML and PDF renderings show, cell by cell, so both read the same."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lienrx.core.links import public_url

MECHANISMS = {"motor_vehicle": "Motor vehicle collision", "slip_and_fall": "Slip and fall",
              "workplace": "Workplace injury", "crush": "Crush injury", "fracture": "Fracture",
              "surgical": "Surgical", "other": "Other"}
TREATMENTS = {"iv_ketamine_infusion": "IV ketamine infusion",
              "sympathetic_nerve_block": "Sympathetic nerve block",
              "spinal_cord_stimulator": "Spinal cord stimulator",
              "physical_therapy": "Physical therapy", "other": "Other"}


@dataclass(frozen=True)
class Seal:
    """How a rendered copy names the signed original and where to verify it."""

    attestation_id: int
    sha256: str
    signature: str
    key_id: str
    verify_url: str
    keys_url: str
    json_url: str


def seal_for(attestation: Any) -> Seal:
    """The seal of a signed attestation, its links under ``LIENRX_PUBLIC_URL``."""
    return Seal(attestation_id=attestation.id, sha256=attestation.sha256,
                signature=attestation.signature, key_id=attestation.key_id,
                verify_url=public_url("attestations_api.verify_document"),
                keys_url=public_url("attestations_api.list_keys"),
                json_url=public_url("attestations_api.get_attestation",
                                    attestation_id=attestation.id))


def text(value: Any) -> str:
    """A cell's text: empty for missing values."""
    return "" if value is None else str(value)


def source_cell(line: dict[str, Any]) -> str:
    """NDC and lot for commercial fills; formulation, batch lot and BUD for compounded ones."""
    if line.get("product_kind") == "compounded":
        parts = [line.get("formulation"), line.get("batch_lot") and f"lot {line['batch_lot']}",
                 line.get("beyond_use_date") and f"BUD {line['beyond_use_date']}"]
    else:
        parts = [line.get("ndc") and f"NDC {line['ndc']}",
                 line.get("ndc_lot") and f"lot {line['ndc_lot']}"]
    return " / ".join(p for p in parts if p)


# A line's late entry and pharmacist overrides (SPEC §7.1, §7.2): the line's key holding the
# reason, what the timeline marks the line with, and what the exceptions table calls it.
EXCEPTIONS = (("late_entry_reason", "late entry", "Late entry"),
              ("refill_too_soon_override", "refill override", "Refill-too-soon override"),
              ("bud_override", "BUD override", "Supply past the BUD override"))


def _product(line: dict[str, Any]) -> str:
    """The product; a reversed fill says so, an overridden one names its overrides."""
    name = text(line.get("product_name"))
    if line.get("status") == "reversed":
        name = f"{name} (REVERSED)"
    marks = [mark for key, mark, _ in EXCEPTIONS[1:] if line.get(key)]
    return f"{name} [{', '.join(marks)}]" if marks else name


def _prescriber(line: dict[str, Any]) -> str:
    npi = line.get("prescriber_npi")
    return f"{text(line.get('prescriber_name'))} (NPI {npi})" if npi else text(
        line.get("prescriber_name"))


def _fill_date(line: dict[str, Any]) -> str:
    """The fill date; a late entry (SPEC §7.1) says so."""
    day = text(line.get("dispensed_on"))
    return f"{day} (late entry)" if line.get("late_entry") else day


def _quantity(line: dict[str, Any]) -> str:
    return f"{text(line.get('quantity'))} {text(line.get('unit'))}".strip()


@dataclass(frozen=True)
class Column:
    """One column of the medication timeline: heading, PDF width (mm) and cell text."""

    heading: str
    width: float
    cell: Callable[[dict[str, Any]], str]
    numeric: bool = False


TIMELINE: tuple[Column, ...] = (
    Column("Date", 19, _fill_date),
    Column("Fill #", 10, lambda ln: text(ln.get("fill_number")), numeric=True),
    Column("Product", 40, _product),
    Column("NDC or formulation / lot / BUD", 45, source_cell),
    Column("Qty", 15, _quantity, numeric=True),
    Column("Days", 10, lambda ln: text(ln.get("days_supply")), numeric=True),
    Column("Prescriber (NPI)", 38, _prescriber),
    Column("Pharmacist", 30, lambda ln: text(ln.get("pharmacist_name"))),
    Column("Charge", 18, lambda ln: text(ln.get("charge")), numeric=True),
    Column("ICD-10", 30, lambda ln: ", ".join(ln.get("icd10_codes") or [])),
)


def timeline_rows(document: dict[str, Any]) -> list[list[str]]:
    """The medication timeline, one row of cell texts per dispense line."""
    return [[column.cell(line) for column in TIMELINE] for line in document["dispense_lines"]]


EXCEPTION_HEADINGS = ("Date", "Fill #", "Product", "What", "Reason given")


def exception_rows(document: dict[str, Any]) -> list[tuple[str, str, str, str, str]]:
    """Each late entry and pharmacist override on the timeline, with its reason."""
    return [(_fill_date(line), text(line.get("fill_number")), text(line.get("product_name")),
             title, text(line[key]))
            for line in document["dispense_lines"]
            for key, _, title in EXCEPTIONS if line.get(key)]


def summary_rows(document: dict[str, Any]) -> list[tuple[str, str]]:
    """The identifying facts on the summary page."""
    case, patient, firm = document["case"], document["patient"], document["law_firm"]
    attorney = document.get("attorney_of_record") or {}
    agreement = document.get("lien_agreement")
    return [
        ("Patient", f"{patient['first_name']} {patient['last_name']}"),
        ("Date of birth", text(patient["date_of_birth"])),
        ("Case ID", text(case["id"])),
        ("Firm file number", text(case["firm_file_number"])),
        ("Law firm", text(firm["name"])),
        ("Attorney of record", text(attorney.get("name"))),
        ("Jurisdiction", text(case["jurisdiction"])),
        ("Date of injury", text(case["date_of_injury"])),
        ("Injury mechanism", MECHANISMS.get(case["injury_mechanism"], case["injury_mechanism"])),
        ("Lien agreement", "none on file" if agreement is None else
         f"signed {agreement['signed_on']}"
         + (", non-recourse" if agreement.get("non_recourse") else "")),
        ("Case status", text(case["status"])),
    ]


def totals_rows(document: dict[str, Any]) -> list[tuple[str, str]]:
    """Fills and ledger totals, ending with the lien balance."""
    fills, ledger = document["fills"], document["ledger"]
    totals = ledger["totals"]
    return [
        ("Fills dispensed", text(fills["count"])),
        ("Fills reversed", text(fills["reversed"])),
        ("Charges on the lien", totals["charges"]),
        ("Reversals", totals["reversals"]),
        ("Reductions", totals["reductions"]),
        ("Payments", totals["payments"]),
        ("Write-offs", totals["write_offs"]),
        ("Refunds", totals["refunds"]),
        ("Lien balance", ledger["balance"]),
    ]


def treatment_label(kind: str) -> str:
    """A person's name for an outside treatment kind."""
    return TREATMENTS.get(kind, kind)


VERIFY_STEPS = (
    "Take the `document` object of the signed JSON (GET {json_url}).",
    "Serialise it as canonical JSON: keys sorted, separators ',' and ':', UTF-8, no ASCII "
    "escaping; its SHA-256 must equal the document hash above.",
    "Check the Ed25519 signature over those bytes with the public key listed under the key id "
    "at {keys_url}, or POST {{document, signature, key_id}} to {verify_url}.",
)
