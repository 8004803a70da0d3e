"""The dispensing label (SPEC §4.4–4.5, compliance.md §7.1), built once and frozen on the fill."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import current_app

from lienrx.compounding import services as compounding
from lienrx.compounding.models import CompoundingRecord
from lienrx.core.schemas import plain_number
from lienrx.prescribing.models import Prescription

# 21 CFR 290.5: required on Schedule II–IV, not V.
TRANSFER_CAUTION = ("Caution: Federal law prohibits the transfer of this drug to any person "
                    "other than the patient for whom it was prescribed.")
TRANSFER_CAUTION_SCHEDULES = ("II", "III", "IV")


def refills_left(prescription: Prescription) -> int:
    """Fills not yet begun (SPEC §7.2): the rest of a partial fill is no refill."""
    return prescription.refills_remaining


def build_label(*, prescription: Prescription, fill_number: int, dispensed_on: Any,
                quantity: Decimal, patient_name: str, pharmacist_name: str,
                batch: CompoundingRecord | None, ndc: str | None,
                lot_number: str | None) -> dict[str, Any]:
    """Everything the printed label shows, as plain JSON values."""
    product, prescriber = prescription.product, prescription.prescriber
    config = current_app.config
    label: dict[str, Any] = {
        "pharmacy": {"name": config["LIENRX_PHARMACY_NAME"],
                     "address": config.get("LIENRX_PHARMACY_ADDRESS"),
                     "phone": config.get("LIENRX_PHARMACY_PHONE")},
        "rx_number": f"RX{prescription.id:07d}",
        "fill_number": fill_number,
        "date": dispensed_on.isoformat(),
        "patient": patient_name,
        "prescriber": prescriber.display_name,
        "drug": product.name,
        "strength": product.strength,
        "directions": prescription.sig,
        "quantity": f"{plain_number(quantity)} {product.unit}",
        "refills_left": refills_left(prescription),
        "pharmacist": pharmacist_name,
        "dea_schedule": product.dea_schedule,
        "warnings": [],
    }
    if batch is not None:
        info = compounding.label_info(batch)
        label.update({"compounded": True, "lot_number": info["lot_number"],
                      "beyond_use_date": info["beyond_use_date"].isoformat(),
                      "storage": info["storage"], "hazardous": info["hazardous"]})
        label["warnings"].extend(info["auxiliary_labels"])
        label["compounded_statement"] = info["compounded"]
    else:
        label.update({"compounded": False, "ndc": ndc, "lot_number": lot_number})
    if product.dea_schedule in TRANSFER_CAUTION_SCHEDULES:
        label["warnings"].append(TRANSFER_CAUTION)
    return label
