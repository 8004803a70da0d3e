"""The Scan field of the dispense and receiving forms.

A barcode scanner types into the Scan field and ends with Enter, which submits the form by
its first button; so any post with something in Scan reads it instead of acting: the form
comes back with the NDC, lot and expiry filled in and a note of what was read (or the reason
nothing was), for the person to check before pressing the button again. The "Read scan"
button does the same for a scan pasted or typed by hand.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import marshmallow as ma
from flask import request

from lienrx.core import barcodes, forms

SCAN = "scan"
READ_SCAN = "read_scan"


def wanted() -> bool:
    """The form was sent to read a scan: something is in Scan, or "Read scan" was pressed."""
    return READ_SCAN in request.form or bool((request.form.get(SCAN) or "").strip())


@dataclass(frozen=True)
class Reading:
    """A scan read into a form: the form to show again and, when it was read, the scan and
    the 11-digit NDC it resolved to."""

    form: forms.Submission
    scan: barcodes.Scan | None = None
    ndc: str | None = None

    @property
    def note(self) -> str | None:
        """What was read, in words, for the page to show above the filled fields."""
        if self.scan is None or self.ndc is None:
            return None
        facts = [f"NDC {self.ndc}"]
        if self.scan.lot:
            facts.append(f"lot {self.scan.lot}")
        if self.scan.expiry:
            facts.append(f"expiry {self.scan.expiry.isoformat()}")
        return f"Read {self.scan.source}: {', '.join(facts)}. Check them against the package."


def read(schema: ma.Schema, known_ndcs: Iterable[str], whose: str,
         expiry_field: str) -> Reading:
    """Read the posted Scan into the form's ``ndc``, ``lot_number`` and ``expiry_field``.

    The 10-digit NDC a barcode carries is matched against ``known_ndcs`` (the 11-digit NDCs
    of ``whose``, e.g. the prescribed product): one that is not among them is refused next to
    the Scan field, naming what was scanned. Fields the scan does not carry keep what was typed.
    """
    raw = request.form.to_dict()
    raw.pop(READ_SCAN, None)
    typed = raw.pop(SCAN, "")
    form = forms.Submission(raw, schema=schema)
    try:
        scan = barcodes.read(typed)
    except barcodes.ScanError as exc:
        return _refused(form, typed, str(exc))
    known = list(known_ndcs)
    ndc = barcodes.resolve_ndc(scan.ndc10, known)
    if ndc is None:
        listed = f" ({', '.join(known)})" if known else " (none is listed)"
        return _refused(form, typed, f"Scanned NDC {scan.ndc10} ({scan.source}) is not one of "
                                     f"{whose}'s NDCs{listed}.")
    form.raw["ndc"] = ndc
    if scan.lot:
        form.raw["lot_number"] = scan.lot
    if scan.expiry:
        form.raw[expiry_field] = scan.expiry.isoformat()
    return Reading(form, scan, ndc)


def not_read(schema: ma.Schema, message: str) -> Reading:
    """The form shown again with the scan unread, and why (e.g. no drug chosen yet)."""
    raw = request.form.to_dict()
    raw.pop(READ_SCAN, None)
    return _refused(forms.Submission(raw, schema=schema), raw.pop(SCAN, ""), message)


def refuse(reading: Reading, message: str) -> Reading:
    """The scan was read but may not be used (an expired lot): say why next to Scan."""
    return _refused(reading.form, request.form.get(SCAN) or "", message)


def _refused(form: forms.Submission, typed: str, message: str) -> Reading:
    form.raw[SCAN] = typed
    form.refuse(SCAN, message)
    return Reading(form)
