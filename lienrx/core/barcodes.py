"""What a barcode scanner types when a drug package is scanned: the NDC, lot and expiry.

A scanner is a keyboard: it types a UPC-A (12 digits) from a linear barcode, or a GS1
element string from a GS1 DataMatrix or GS1-128 symbol: GTIN (01), expiry (17, YYMMDD,
day 00 = the end of the month), lot (10), raw with GS (ASCII 29) separators and perhaps a
symbology prefix (``]d2``, ``]C1``), or in the printed form ``(01)…(17)…(10)…``.
biip parses both and verifies every check digit.

A US drug's NDC is carried inside: a UPC-A of number system 3 holds the 10-digit NDC in
its digits 2–11; a GTIN-14 is ``003`` + NDC10 + check digit. The 10 digits do not say where
the hyphens go (4-4-2, 5-3-2 or 5-4-1), so ``resolve_ndc`` matches them against the NDCs a
product is known by rather than guessing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import biip
from biip.gs1_messages import GS1Message

GS = "\x1d"
UPC_DRUG_NUMBER_SYSTEM = 3  # UPC-A number system 3: drugs and health items (NDC/NHRIC)
GTIN_DRUG_PREFIX = "003"    # a GTIN-14 of a US drug: "003" + NDC10 + check digit
AI_GTIN, AI_EXPIRY, AI_LOT = "01", "17", "10"


class ScanError(ValueError):
    """The scan is unreadable or carries no NDC; the message says why, in plain words."""


@dataclass(frozen=True)
class Scan:
    """What one scan said: the 10-digit NDC, and the lot and expiry when the symbol had them."""

    ndc10: str
    lot: str | None
    expiry: date | None
    source: str  # "UPC-A 365162102103" or "GTIN 00365162102103": what was read

    def describe(self) -> str:
        """The scan in words: "UPC-A 365162102103: NDC 6516210210, lot A1, expiry …"."""
        parts = [f"{self.source}: NDC {self.ndc10}"]
        if self.lot:
            parts.append(f"lot {self.lot}")
        if self.expiry:
            parts.append(f"expiry {self.expiry.isoformat()}")
        return ", ".join(parts)


def read(text: str) -> Scan:
    """Read what the scanner typed (UPC-A, or a GS1 element string raw or printed)."""
    typed = text.strip(" \t\r\n")
    if not typed:
        raise ScanError("Nothing was scanned.")
    if typed.startswith("("):
        return _from_message(_printed_message(typed))
    result = biip.parse(typed)
    message = result.gs1_message
    if message is not None and message.element_strings.get(ai=AI_GTIN) is not None:
        return _from_message(message)
    if result.upc is not None and len(result.upc.value) == 12:
        return _from_upc(result.upc.value, result.upc.number_system_digit)
    raise ScanError(_unreadable(typed, result))


def _printed_message(typed: str) -> GS1Message:
    try:
        return GS1Message.parse_hri(typed)
    except biip.ParseError as exc:
        if "check digit" in str(exc):
            raise ScanError(_bad_check_digit(typed)) from None
        raise ScanError(f"{_shown(typed)} is not a readable GS1 element string: an "
                        "identifier's data has the wrong length or an impossible date.") from None


def _from_message(message: GS1Message) -> Scan:
    gtin = message.element_strings.get(ai=AI_GTIN)
    if gtin is None:
        raise ScanError("The barcode carries no GTIN (01), so no NDC.")
    if gtin.gtin is None:
        raise ScanError(_bad_check_digit(f"GTIN {gtin.value}"))
    gtin14 = gtin.gtin.value.zfill(14)
    if not gtin14.startswith(GTIN_DRUG_PREFIX):
        raise ScanError(f"GTIN {gtin14} is not a US drug's (those begin with "
                        f"{GTIN_DRUG_PREFIX} followed by the NDC).")
    expiry = message.element_strings.get(ai=AI_EXPIRY)
    lot = message.element_strings.get(ai=AI_LOT)
    return Scan(ndc10=gtin14[3:13], lot=lot.value if lot else None,
                expiry=expiry.date if expiry else None, source=f"GTIN {gtin14}")


def _from_upc(upc: str, number_system: int | None) -> Scan:
    if number_system != UPC_DRUG_NUMBER_SYSTEM:
        raise ScanError(f"UPC-A {upc} is not a drug's (number system {number_system}, "
                        f"not {UPC_DRUG_NUMBER_SYSTEM}): it carries no NDC.")
    return Scan(ndc10=upc[1:11], lot=None, expiry=None, source=f"UPC-A {upc}")


def _unreadable(typed: str, result: biip.ParseResult) -> str:
    """Why nothing could be read: a bad check digit if that was it, else what is expected."""
    for error in (result.gs1_message_error, result.gtin_error, result.upc_error):
        if error and "check digit" in error:
            return _bad_check_digit(typed)
    return (f"{_shown(typed)} is not a readable drug barcode: scan the package's UPC-A or "
            "its GS1 DataMatrix (GTIN, lot, expiry).")


def _bad_check_digit(what: str) -> str:
    return (f"Bad check digit in {_shown(what)}: the barcode was misread or is damaged. "
            "Scan it again, or type the NDC, lot and expiry from the package.")


def _shown(typed: str, limit: int = 80) -> str:
    """What was scanned, as it can be shown: GS as <GS>, cut short if very long."""
    shown = typed.replace(GS, "<GS>")
    return shown if len(shown) <= limit else shown[:limit] + "…"


def ndc11_forms(ndc10: str) -> tuple[str, str, str]:
    """The three 11-digit NDCs a 10-digit one may be: read as 4-4-2, 5-3-2 and 5-4-1."""
    return ("0" + ndc10, ndc10[:5] + "0" + ndc10[5:], ndc10[:9] + "0" + ndc10[9:])


def resolve_ndc(ndc10: str, known: Iterable[str]) -> str | None:
    """The one 11-digit NDC among ``known`` that the scanned 10 digits stand for, else None
    (none of them, or — never seen in one product — more than one)."""
    found = set(ndc11_forms(ndc10)) & set(known)
    return found.pop() if len(found) == 1 else None
