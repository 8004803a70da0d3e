"""The dispensing label (SPEC §4.4–4.5, §7.2; compliance.md §7.1), built once and frozen on
the fill: what the printed label (``templates/staff/_label.html``) shows, every line of it."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask import current_app

from lienrx.compounding import services as compounding
from lienrx.compounding.models import CompoundingRecord
from lienrx.core import clock
from lienrx.core.schemas import plain_number
from lienrx.dispensing.models import Dispense
from lienrx.extensions import db
from lienrx.prescribing.models import Prescription

# 21 CFR 290.5: required on Schedule II–IV, not V.
TRANSFER_CAUTION = ("Caution: Federal law prohibits the transfer of this drug to any person "
                    "other than the patient for whom it was prescribed.")
TRANSFER_CAUTION_SCHEDULES = ("II", "III", "IV")
MEDGUIDE_PROVIDED = "Medication Guide provided"
# Auxiliary labels that only restate the "compounded" statement the label already prints.
COMPOUNDED_RESTATEMENTS = ("compounded", "compounded preparation",
                           "this is a compounded preparation")


def refills_left(prescription: Prescription) -> int:
    """Fills not yet begun (SPEC §7.2): the rest of a partial fill is no refill."""
    return prescription.refills_remaining


def initial_fill_on(prescription_id: int, fill_number: int, on: date) -> date | None:
    """The date of the prescription's initial fill (its earliest standing dispense) for its
    fill ``fill_number`` dated ``on``; None when this fill is the first (21 CFR 1306.24 "date
    of initial filling")."""
    if fill_number == 1:  # no dispense came before it, standing or reversed
        return None
    first = db.session.execute(
        sa.select(sa.func.min(Dispense.dispensed_on))
        .where(Dispense.prescription_id == prescription_id, Dispense.status == "dispensed")
    ).scalar_one_or_none()
    return None if first is None else min(first, on)


def drug_line(name: str, strength: str | None) -> str:
    """The drug with its strength, once: product names usually carry it already."""
    if not strength:
        return name
    head, _, detail = strength.partition(" (")

    def named(part: str) -> bool:
        words = r"\s*".join(re.escape(w) for w in part.split())
        return re.search(rf"(?<![\w.]){words}(?![\w.])", name, re.IGNORECASE) is not None

    if named(strength):
        return name
    if detail and named(head):
        return f"{name} ({detail}"
    return f"{name} {strength}"


def _restates_compounded(warning: str) -> bool:
    return warning.strip().rstrip(".").lower() in COMPOUNDED_RESTATEMENTS


def _pharmacy(config: Any) -> dict[str, Any]:
    """Name, address and phone (production requires them); NPI and DEA when configured."""
    return {"name": config["LIENRX_PHARMACY_NAME"],
            "address": config.get("LIENRX_PHARMACY_ADDRESS"),
            "phone": config.get("LIENRX_PHARMACY_PHONE"),
            "npi": config.get("LIENRX_PHARMACY_NPI"), "dea": config.get("LIENRX_PHARMACY_DEA")}


def _overrides(refill_override_reason: str | None,
               bud_override_reason: str | None) -> list[dict[str, str]]:
    """The pharmacist's overrides of the fill, each with its reason, as the label says them."""
    overrides = []
    if refill_override_reason:
        overrides.append({"kind": "refill_too_soon", "title": "Early refill override",
                          "reason": refill_override_reason})
    if bud_override_reason:
        overrides.append({"kind": "bud", "title": "Supply past the BUD override",
                          "reason": bud_override_reason})
    return overrides


def build_label(*, prescription: Prescription, fill_number: int, dispensed_on: Any,
                quantity: Decimal, patient_name: str, pharmacist_name: str,
                batch: CompoundingRecord | None, ndc: str | None,
                lot_number: str | None, initial_fill_on: date | None = None,
                late_entry_reason: str | None = None,
                refill_override_reason: str | None = None,
                bud_override_reason: str | None = None,
                medguide_provided: bool = False) -> dict[str, Any]:
    """Everything the printed label shows, as plain JSON values.

    ``date`` is the fill date (a late entry's too, with the day it was entered beside it);
    ``initial_fill_date`` is set on every fill after the prescription's first.
    """
    product, prescriber = prescription.product, prescription.prescriber
    label: dict[str, Any] = {
        "pharmacy": _pharmacy(current_app.config),
        "rx_number": f"RX{prescription.id:07d}",
        "fill_number": fill_number,
        "date": dispensed_on.isoformat(),
        "initial_fill_date": initial_fill_on.isoformat() if initial_fill_on else None,
        "late_entry": ({"entered_on": clock.today().isoformat()}
                       if late_entry_reason is not None else None),
        "patient": patient_name,
        "prescriber": prescriber.display_name,
        "drug": product.name,
        "strength": product.strength,
        "drug_line": drug_line(product.name, product.strength),
        "directions": prescription.sig,
        "quantity": f"{plain_number(quantity)} {product.unit}",
        "refills_left": refills_left(prescription),
        "pharmacist": pharmacist_name,
        "dea_schedule": product.dea_schedule,
        "warnings": [],
        "medguide_provided": medguide_provided,
        "overrides": _overrides(refill_override_reason, bud_override_reason),
    }
    if batch is not None:
        info = compounding.label_info(batch)
        label.update({"compounded": True, "lot_number": info["lot_number"],
                      "beyond_use_date": info["beyond_use_date"].isoformat(),
                      "storage": info["storage"], "hazardous": info["hazardous"]})
        label["warnings"].extend(w for w in info["auxiliary_labels"]
                                 if not _restates_compounded(w))
        label["compounded_statement"] = info["compounded"]
    else:
        label.update({"compounded": False, "ndc": ndc, "lot_number": lot_number})
    if product.dea_schedule in TRANSFER_CAUTION_SCHEDULES:
        label["warnings"].append(TRANSFER_CAUTION)
    return label
