"""What a POGOS and a custodian certificate show, cell by cell, as people read it.

The signed JSON keeps decimal strings and ISO dates; the page shows `$1,234.56`, "Mar 4, 2026"
and times in the pharmacy's time zone. Every version of the document stays viewable: a field a
version did not record reads "not recorded in this version", never a blank or a guess.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from lienrx.attestations import services
from lienrx.attestations.models import Attestation
from lienrx.attestations.schemas import AttestationSchema
from lienrx.core import clock
from lienrx.core.links import public_url
from lienrx.core.numbers import money

NOT_RECORDED = "not recorded in this version"
# English month abbreviations, whatever the server's locale
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
NO_CODES = "none given by the prescriber"
MECHANISMS = {"motor_vehicle": "Motor vehicle collision", "slip_and_fall": "Slip and fall",
              "workplace": "Workplace injury", "crush": "Crush injury", "fracture": "Fracture",
              "surgical": "Surgical", "other": "Other"}
TREATMENTS = {"iv_ketamine_infusion": "IV ketamine infusion",
              "sympathetic_nerve_block": "Sympathetic nerve block",
              "spinal_cord_stimulator": "Spinal cord stimulator",
              "physical_therapy": "Physical therapy", "other": "Other"}


@dataclass(frozen=True)
class Successor:
    """The version that replaced a signed one, as its stamp names it."""

    version: int
    issued_at: datetime


@dataclass(frozen=True)
class Seal:
    """How a rendered copy names the signed original, where to verify it, and whether a
    later version replaced it.

    ``signed`` is the attestation object exactly as ``GET /api/v1/attestations/{id}``
    returns it; the PDF carries it as its attachment, so the file alone can be verified.
    """

    attestation_id: int
    case_id: int
    version: int
    sha256: str
    signature: str
    key_id: str
    verify_url: str
    keys_url: str
    json_url: str
    signed: dict[str, Any]
    superseded_by: Successor | None = None

    @property
    def attachment_name(self) -> str:
        """The file name of the signed JSON inside the PDF."""
        return f"pogos-case-{self.case_id}-v{self.version}.json"


def seal_for(attestation: Attestation) -> Seal:
    """The seal of a signed attestation, its links under ``LIENRX_PUBLIC_URL``."""
    later = services.successor(attestation)
    return Seal(attestation_id=attestation.id, case_id=attestation.case_id,
                version=attestation.version, sha256=attestation.sha256,
                signature=attestation.signature, key_id=attestation.key_id,
                verify_url=public_url("verify.page"),
                keys_url=public_url("attestations_api.list_keys"),
                json_url=public_url("attestations_api.get_attestation",
                                    attestation_id=attestation.id),
                signed=AttestationSchema().dump(services.view(attestation)),
                superseded_by=None if later is None else Successor(later.version,
                                                                   later.issued_at))


# --- how values read -------------------------------------------------------------------------

def text(value: Any) -> str:
    """A cell's text: empty for missing values."""
    return "" if value is None else str(value)


def day(value: Any) -> str:
    """An ISO date (or date) as people read it: "2026-03-04" → "Mar 4, 2026"."""
    if value is None or value == "":
        return ""
    try:
        found = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    except ValueError:
        return str(value)
    return f"{MONTHS[found.month - 1]} {found.day}, {found.year}"


def zone_of(document: dict[str, Any]) -> tzinfo:
    """The time zone the document's times are shown in: the pharmacy's, as it recorded it."""
    name = (document.get("pharmacy") or {}).get("timezone")
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return clock.timezone()


def moment(value: Any, zone: tzinfo) -> str:
    """An ISO timestamp (or aware datetime) in ``zone``: "Mar 4, 2026, 10:15 AM CST"."""
    if value is None or value == "":
        return ""
    try:
        found = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    local = found.astimezone(zone) if found.tzinfo else found
    hour = local.hour % 12 or 12
    return (f"{day(local.date())}, {hour}:{local:%M} {'AM' if local.hour < 12 else 'PM'}"
            f" {local.tzname() or ''}").rstrip()


def quantity(amount: Any, unit: Any) -> str:
    """A quantity with its unit: "90 each", "30 g"."""
    return f"{text(amount)} {text(unit)}".strip()


def label(value: Any, names: dict[str, str]) -> str:
    """A coded value as people name it (the code itself when the table has no name for it)."""
    code = text(value)
    return names.get(code, code.replace("_", " "))


def treatment_label(kind: str) -> str:
    """A person's name for an outside treatment kind."""
    return label(kind, TREATMENTS)


def _got(record: dict[str, Any], key: str) -> bool:
    """Whether the document's version recorded ``key`` at all (it may hold None)."""
    return key in record


# --- the dispense line -----------------------------------------------------------------------

def source_text(line: dict[str, Any]) -> str:
    """NDC (with its labeler) and lot for commercial fills; MFR version, batch lot and BUD for
    compounded ones."""
    if line.get("product_kind") == "compounded":
        parts = [text(line.get("formulation")),
                 line.get("batch_lot") and f"lot {line['batch_lot']}",
                 line.get("beyond_use_date") and f"BUD {day(line['beyond_use_date'])}"]
        return ", ".join(p for p in parts if p)
    ndc = f"NDC {line['ndc']}" if line.get("ndc") else ""
    if _got(line, "ndc_labeler"):
        ndc += f" ({line['ndc_labeler'] or 'labeler not in the NDC master'})"
    parts = [ndc, line.get("ndc_lot") and f"lot {line['ndc_lot']}"]
    return ", ".join(p for p in parts if p)


def fill_date(line: dict[str, Any]) -> str:
    """The fill date; a late entry (SPEC §7.1) says so."""
    shown = day(line.get("dispensed_on"))
    return f"{shown} (late entry)" if line.get("late_entry") else shown


def refill_text(line: dict[str, Any]) -> str:
    """Where the fill stands in its prescription: "original fill, partial 1",
    "refill 2 of 3, partial 1"; each fill drawn on when refills were combined."""
    if not _got(line, "refill_number"):
        return f"Refill: {NOT_RECORDED}"
    authorized = line.get("refills_authorized")
    parts = line.get("fill_parts") or [{"refill_number": line["refill_number"],
                                        "partial_sequence": line.get("partial_sequence")}]

    def one(part: dict[str, Any]) -> str:
        number = int(part["refill_number"])
        name = "original fill" if number == 0 else f"refill {number} of {authorized}"
        return f"{name}, partial {part['partial_sequence']}"

    return " + ".join(one(part) for part in parts)


def dose_text(line: dict[str, Any]) -> str:
    """The daily dose from the structured dose: "900 mg a day (300 mg × 3)"."""
    if not _got(line, "daily_dose"):
        return f"Daily dose: {NOT_RECORDED}"
    daily, dose = line.get("daily_dose"), line.get("dose") or {}
    if not daily:
        return "No structured dose"
    per = f" ({dose['amount']} {dose['unit']} × {dose['times_per_day']})" if dose else ""
    return f"{daily['amount']} {daily['unit']} a day{per}"


def codes_text(line: dict[str, Any]) -> str:
    """The line's ICD-10 codes, from its own prescription."""
    return ", ".join(line.get("icd10_codes") or []) or NO_CODES


def prescriber_text(line: dict[str, Any]) -> list[str]:
    """The prescriber's name and NPI."""
    npi = line.get("prescriber_npi")
    return [text(line.get("prescriber_name"))] + ([f"NPI {npi}"] if npi else [])


# A line's late entry and pharmacist overrides (SPEC §7.1, §7.2): the line's key holding the
# reason, what the timeline marks the line with, and what the exceptions table calls it.
EXCEPTIONS = (("late_entry_reason", "late entry", "Late entry"),
              ("refill_too_soon_override", "refill override", "Refill-too-soon override"),
              ("bud_override", "BUD override", "Supply past the BUD override"))


def product_text(line: dict[str, Any]) -> str:
    """The product; a reversed fill says so, an overridden one names its overrides."""
    name = text(line.get("product_name"))
    if line.get("status") == "reversed":
        name = f"{name} (REVERSED)"
    marks = [mark for key, mark, _ in EXCEPTIONS[1:] if line.get(key)]
    return f"{name} [{', '.join(marks)}]" if marks else name


def notes(line: dict[str, Any]) -> list[str]:
    """The reasons the pharmacist gave for a late entry or an override on this line."""
    return [f"{title}: {line[key]}" for key, _, title in EXCEPTIONS if line.get(key)]


@dataclass(frozen=True)
class Row:
    """One row of the medication timeline: a fill, or the reversal of one."""

    kind: str  # "fill" or "reversal"
    cells: list[list[str]]
    notes: list[str]
    reversed: bool = False


TIMELINE_HEADINGS = ("Date", "Medication and source", "Prescription", "Sig and daily dose",
                     "Qty, days", "ICD-10 (its Rx)", "Prescriber", "Pharmacist",
                     "Charge", "Lien balance")
NUMERIC = frozenset({8, 9})  # the money columns, right-aligned


def _balance(record: dict[str, Any]) -> str:
    return money(record["balance_after"]) if _got(record, "balance_after") else NOT_RECORDED


def fill_row(line: dict[str, Any]) -> Row:
    """A dispense line's cells."""
    rx = f"Rx {text(line.get('prescription_id'))}, fill #{text(line.get('fill_number'))}"
    written = (f"written {day(line['written_on'])}" if _got(line, "written_on")
               else f"written: {NOT_RECORDED}")
    sig = text(line["sig"]) if _got(line, "sig") else f"Sig: {NOT_RECORDED}"
    return Row("fill", [
        [fill_date(line)],
        [product_text(line), source_text(line)],
        [rx, written, refill_text(line)],
        [sig, dose_text(line)],
        [quantity(line.get("quantity"), line.get("unit")), f"{text(line.get('days_supply'))} days"],
        [codes_text(line)],
        prescriber_text(line),
        [text(line.get("pharmacist_name"))],
        [money(line.get("charge"))],
        [_balance(line)],
    ], notes(line), reversed=line.get("status") == "reversed")


def reversal_row(reversal: dict[str, Any], fills: dict[Any, dict[str, Any]]) -> Row:
    """A reversing entry's cells, naming the fill it took off the lien."""
    reversed_fill = fills.get(reversal.get("dispense_id"))
    what = (f"Reversal of the fill of {day(reversed_fill['dispensed_on'])} (Rx "
            f"{reversed_fill['prescription_id']}, fill #{reversed_fill['fill_number']})"
            if reversed_fill else "Reversal")
    return Row("reversal", [
        [day(reversal.get("occurred_on"))], [what, text(reversal.get("memo"))], [], [], [], [],
        [], [], [money(f"-{reversal['amount']}")], [_balance(reversal)]], [])


def timeline(document: dict[str, Any]) -> list[Row]:
    """The medication timeline: fills, and (when the version records running balances) the
    reversals among them in ledger order, so each balance reads after what changed it."""
    lines = document["dispense_lines"]
    rows = [fill_row(line) for line in lines]
    if not all(_got(line, "charge_entry_id") for line in lines):
        return rows
    fills = {line["dispense_id"]: line for line in lines}
    keyed = [((line["dispensed_on"], line["charge_entry_id"] or 0), row)
             for line, row in zip(lines, rows, strict=True)]
    keyed += [((r["occurred_on"], r["entry_id"]), reversal_row(r, fills))
              for r in document["reversals"]]
    return [row for _, row in sorted(keyed, key=lambda pair: pair[0])]


EXCEPTION_HEADINGS = ("Date", "Fill #", "Product", "What", "Reason given")


def exception_rows(document: dict[str, Any]) -> list[tuple[str, str, str, str, str]]:
    """Each late entry and pharmacist override on the timeline, with its reason."""
    return [(fill_date(line), text(line.get("fill_number")), text(line.get("product_name")),
             title, text(line[key]))
            for line in document["dispense_lines"]
            for key, _, title in EXCEPTIONS if line.get(key)]


# --- the clinical reasons --------------------------------------------------------------------

@dataclass(frozen=True)
class Indication:
    """A medication and the reason for it, in the words of whoever stated it."""

    medication: str
    attribution: str
    statements: list[str]
    codes: str
    fills: str


def indications(document: dict[str, Any]) -> list[Indication]:
    """The prescribers' stated indications, one per prescription (per product in version 1,
    whose product descriptions from the formulary are not reproduced: they are nobody's
    clinical statement about this patient)."""
    found = []
    for item in document["medication_rationale"]:
        fills = (f"{item['fills']} fill{'' if item['fills'] == 1 else 's'}, "
                 f"{day(item['first_dispensed_on'])} to {day(item['last_dispensed_on'])}")
        codes = ", ".join(item.get("icd10_codes") or []) or NO_CODES
        if _got(item, "stated_by"):
            stated_by = item["stated_by"] or {}
            npi = f" (NPI {stated_by['npi']})" if stated_by.get("npi") else ""
            found.append(Indication(
                f"{item['product_name']} · Rx {item['prescription_id']}",
                f"Indication stated by {text(stated_by.get('name'))}{npi} on the prescription "
                f"written {day(item.get('written_on'))}",
                [item["indication"] or "No indication was recorded on this prescription."],
                codes, fills))
        else:
            found.append(Indication(
                f"{item['product_name']} ({item['product_code']})",
                f"Indications stated on its prescriptions (prescriber: {NOT_RECORDED})",
                list(item.get("prescribed_for") or [])
                or ["No indication was recorded on its prescriptions."], codes, fills))
    return found


# --- the summary -----------------------------------------------------------------------------

def summary_rows(document: dict[str, Any]) -> list[tuple[str, str]]:
    """The identifying facts on the summary page."""
    case, patient, firm = document["case"], document["patient"], document["law_firm"]
    attorney = document.get("attorney_of_record") or {}
    agreement = document.get("lien_agreement")
    return [
        ("Patient", f"{patient['first_name']} {patient['last_name']}"),
        ("Date of birth", day(patient["date_of_birth"])),
        ("Case ID", text(case["id"])),
        ("Firm file number", text(case["firm_file_number"])),
        ("Law firm", text(firm["name"])),
        ("Attorney of record", text(attorney.get("name"))),
        ("Jurisdiction", text(case["jurisdiction"])),
        ("Date of injury", day(case["date_of_injury"])),
        ("Injury mechanism", label(case["injury_mechanism"], MECHANISMS)),
        ("Lien agreement", "none on file" if agreement is None else
         f"signed {day(agreement['signed_on'])}"
         + (", non-recourse" if agreement.get("non_recourse") else "")),
        ("Case status", label(case["status"], {}).capitalize()),
    ]


def totals_rows(document: dict[str, Any]) -> list[tuple[str, str]]:
    """Fills and ledger totals, ending with the lien balance."""
    fills, ledger = document["fills"], document["ledger"]
    totals = ledger["totals"]
    return [
        ("Fills dispensed", text(fills["count"])),
        ("Fills reversed", text(fills["reversed"])),
        ("Charged on fills not reversed", money(fills["charges"])),
        ("Charges on the lien", money(totals["charges"])),
        ("Reversals", money(totals["reversals"])),
        ("Reductions", money(totals["reductions"])),
        ("Payments", money(totals["payments"])),
        ("Write-offs", money(totals["write_offs"])),
        ("Refunds", money(totals["refunds"])),
        ("Lien balance", money(ledger["balance"])),
    ]


def shows_crps_type(document: dict[str, Any]) -> bool:
    """Whether any diagnosis is a CRPS code (the column is left out otherwise)."""
    return any(d.get("crps_type") for d in document["diagnoses"])


# --- verification ----------------------------------------------------------------------------

def key_rule(seal: Seal) -> str:
    """API.md's key-id rule, in words."""
    return (f"The key id names the Ed25519 public key published at {seal.keys_url} "
            "(GET /api/v1/attestation-keys); a retired key still verifies the documents it "
            "signed.")


def how_to_verify(seal: Seal) -> list[str]:
    """What a reader does to check the report, simplest first."""
    return [
        f"Upload this PDF (or the signed JSON) at {seal.verify_url}: it says whether the "
        "signature is valid, whether the key is active or retired, and whether a later "
        "version superseded this one.",
        f"The PDF carries the signed attestation as its attachment {seal.attachment_name}, "
        f"the same object GET {seal.json_url} returns.",
        "By hand: serialise its document object as canonical JSON (keys sorted, separators "
        "',' and ':', UTF-8, no ASCII escaping); its SHA-256 must equal the document hash "
        "above, and the Ed25519 signature over those bytes must hold under the public key "
        "the key id names.",
    ]


def is_first_version_format(document: dict[str, Any]) -> bool:
    """Whether the document was signed in the first format (lienrx.pogos/1)."""
    return document.get("schema") == "lienrx.pogos/1"


def context(document: dict[str, Any], seal: Seal) -> dict[str, Any]:
    """Everything the POGOS template shows, read from the signed document and its seal."""
    zone = zone_of(document)
    later = seal.superseded_by
    return {
        "doc": document, "seal": seal, "summary": summary_rows(document),
        "totals": totals_rows(document), "headings": TIMELINE_HEADINGS, "numeric": NUMERIC,
        "timeline": timeline(document), "exceptions": exception_rows(document),
        "exception_headings": EXCEPTION_HEADINGS, "indications": indications(document),
        "crps_column": shows_crps_type(document), "first_format": is_first_version_format(
            document), "issued": moment(document["issued_at"], zone),
        "stamp": None if later is None else
        f"SUPERSEDED by version {later.version} issued {moment(later.issued_at, zone)}",
        "key_rule": key_rule(seal), "verify_steps": how_to_verify(seal),
        "day": day, "at": lambda value: moment(value, zone),
        "treatment_label": treatment_label, "not_recorded": NOT_RECORDED,
    }
