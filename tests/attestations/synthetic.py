"""Synthetic POGOS documents in the shapes dispensing supplies, for rendering tests: the current
format (lienrx.pogos/2) and the first one (lienrx.pogos/1), which stored versions still hold."""

from __future__ import annotations

import copy
from datetime import date, timedelta
from typing import Any

from lienrx.attestations.layout import Seal
from lienrx.core.money import format_cents, to_cents

SEAL = Seal(attestation_id=7, case_id=42, version=2, sha256="ab" * 32,
            signature="c2lnbmF0dXJl" * 7 + "==", key_id="ed25519:0123456789abcdef",
            verify_url="http://lienrx.test/verify",
            keys_url="http://lienrx.test/api/v1/attestation-keys",
            json_url="http://lienrx.test/api/v1/attestations/7",
            signed={"id": 7, "case_id": 42, "version": 2})


def line(i: int, start: date = date(2025, 1, 6)) -> dict[str, Any]:
    """The i-th fill: compounded on even numbers, commercial on odd ones; fill 3 reversed."""
    compounded = i % 2 == 0
    return {
        "dispense_id": 1000 + i, "dispensed_on": (start + timedelta(days=7 * i)).isoformat(),
        "fill_number": i % 6 + 1, "prescription_id": 500 + i // 6,
        "written_on": (start + timedelta(days=7 * (i - i % 6))).isoformat(),
        "refill_number": i % 6, "refills_authorized": 5, "partial_sequence": 1,
        "fill_parts": [{"refill_number": i % 6, "quantity": "30", "partial_sequence": 1}],
        "product_code": "KET-TRO-25" if compounded else "GABA-300",
        "product_name": "Ketamine 25 mg troche" if compounded else "Gabapentin 300 mg capsule",
        "product_kind": "compounded" if compounded else "commercial",
        "ndc": None if compounded else "00228-2667-11",
        "ndc_labeler": None if compounded else "Actavis Pharma, Inc.",
        "ndc_lot": None if compounded else f"G{i:05d}",
        "formulation": "MFR 4 v2" if compounded else None,
        "batch_lot": f"C-2025-{i:04d}" if compounded else None,
        "beyond_use_date": (start + timedelta(days=7 * i + 180)).isoformat()
        if compounded else None,
        "quantity": "30", "unit": "each", "days_supply": 30,
        "sig": "1 troche under the tongue once daily" if compounded
        else "1 capsule by mouth three times daily",
        "dose": None if compounded else {"amount": "300", "unit": "mg", "times_per_day": "3"},
        "daily_dose": None if compounded else {"amount": "900", "unit": "mg"},
        "prescriber_name": "Morgan Pain, MD", "prescriber_npi": "1234567893",
        "pharmacist_name": "Pat Pharmacist", "pharmacist_license": "TN-RPH-00001",
        "charge": format_cents(18550 + i), "icd10_codes": [] if i == 1 else ["G90.511"],
        "indication": "Neuropathic pain of the right wrist", "status":
        "reversed" if i == 3 else "dispensed", "refill_too_soon_override": None,
        "bud_override": None, "late_entry": False, "late_entry_reason": None,
        "charge_entry_id": 2000 + i,
        "balance_after": format_cents(sum(18550 + n for n in range(i + 1))
                                      - (18553 if i >= 4 else 0)),
    }


def document(lines: int = 0) -> dict[str, Any]:
    """A complete current-format document with ``lines`` dispense lines."""
    fills = [line(i) for i in range(lines)]
    kept = [f for f in fills if f["status"] == "dispensed"]
    rationale: dict[int, dict[str, Any]] = {}
    for fill in kept:
        item = rationale.setdefault(fill["prescription_id"], {
            "prescription_id": fill["prescription_id"], "product_code": fill["product_code"],
            "product_name": fill["product_name"], "written_on": fill["written_on"],
            "indication": fill["indication"], "source": "prescription",
            "stated_by": {"name": "Morgan Pain, MD", "npi": "1234567893"},
            "icd10_codes": fill["icd10_codes"], "first_dispensed_on": fill["dispensed_on"],
            "last_dispensed_on": fill["dispensed_on"], "fills": 0})
        item["fills"] += 1
        item["last_dispensed_on"] = fill["dispensed_on"]
    return {
        "schema": "lienrx.pogos/2",
        "title": "Pharmacy-Organized General Occurrence Summary (POGOS)",
        "version": 2, "issued_at": "2025-06-01T12:00:00+00:00",
        "supersedes": {"version": 1, "sha256": "cd" * 32},
        "pharmacy": {"name": "LienRx Compounding Pharmacy", "timezone": "America/Chicago"},
        "case": {"id": 42, "firm_file_number": "PI-2025-0042", "status": "active",
                 "jurisdiction": "TN", "date_of_injury": "2024-11-02",
                 "injury_mechanism": "motor_vehicle",
                 "mechanism_narrative": "Rear-ended at a light; right wrist fracture."},
        "patient": {"id": 3, "first_name": "Zoë", "last_name": "Nguyễn",
                    "date_of_birth": "1985-03-14"},
        "law_firm": {"id": 9, "name": "Hale & Stone LLP", "address": None, "phone": None,
                     "email": None},
        "attorney_of_record": {"name": "Avery Hale", "email": "avery@hale.test"},
        "lien_agreement": {"signed_on": "2024-12-01", "non_recourse": True,
                           "document_sha256": None},
        "diagnoses": [{"icd10": "G90.511", "laterality": "right", "source": "Consult 2024-12-03",
                       "crps_type": "I"}],
        "external_treatments": [{"kind": "iv_ketamine_infusion", "started_on": "2025-02-01",
                                 "ended_on": "2025-02-05", "facility": "Nashville Infusion",
                                 "protocol": "5-day outpatient", "dose": "0.5 mg/kg/h",
                                 "notes": None}],
        "dispense_lines": fills,
        "reversals": [{"entry_id": 2050, "occurred_on": "2025-01-30", "amount": "185.53",
                       "memo": "returned to stock", "reverses_entry_id": 2003,
                       "dispense_id": 1003, "balance_after": "556.53"}] if lines > 3 else [],
        "dur_alerts": [{"alert_id": "dur-1", "prescription_id": 500, "dispense_id": 1000,
                        "kind": "cns_depressants", "severity": "high",
                        "message": "Three CNS depressants", "resolution": "Prescriber consulted",
                        "resolved_by": "Pat Pharmacist",
                        "resolved_at": "2025-01-06T16:00:00+00:00"}] if lines else [],
        "medication_rationale": list(rationale.values()),
        "pharmacist_narrative": "Regimen reviewed with the prescriber.",
        "fills": {"count": len(kept), "reversed": lines - len(kept),
                  "charges": format_cents(sum(to_cents(f["charge"]) for f in kept))},
        "ledger": {"balance": "1234.56",
                   "totals": {"charges": "1234.56", "reversals": "0.00", "reductions": "0.00",
                              "payments": "0.00", "write_offs": "0.00", "refunds": "0.00"}},
        "signer": {"user_id": 1, "name": "Pat Pharmacist", "license_number": "TN-RPH-00001"},
        "attestation": "I, Pat Pharmacist, attest that the records are true.",
    }


# What the current format added to a dispense line, a reversal and the document's pharmacy.
ADDED_TO_LINES = ("written_on", "refill_number", "refills_authorized", "partial_sequence",
                  "fill_parts", "ndc_labeler", "sig", "dose", "daily_dose", "charge_entry_id",
                  "balance_after")
FIRST_FORMAT_ATTESTATION = (
    "I, {name}, a pharmacist licensed under license number {license}, attest that the "
    "dispensing records summarised in this report were made and kept by {pharmacy} in the "
    "regular course of its business, at or near the time of each event, by or from "
    "information given by a person with knowledge of it; that each medication listed was "
    "dispensed on a prescription for the diagnoses shown; and that, in my professional "
    "judgment, the regimen was clinically appropriate for the documented injuries.")


def first_format(current: dict[str, Any], product_text: str = "NMDA antagonist for CRPS pain."
                 ) -> dict[str, Any]:
    """A current-format document as the first format (lienrx.pogos/1) recorded it: no sig,
    dose, written date, refill, labeler or running balance; one rationale per product carrying
    the formulary's text beside the prescriptions' indications."""
    old = copy.deepcopy(current)
    old["schema"] = "lienrx.pogos/1"
    old["pharmacy"].pop("timezone", None)
    for fill in old["dispense_lines"]:
        for key in ADDED_TO_LINES:
            fill.pop(key, None)
    for reversal in old["reversals"]:
        reversal.pop("balance_after", None)
    by_product: dict[str, dict[str, Any]] = {}
    for item in old["medication_rationale"]:
        merged = by_product.setdefault(item["product_code"], {
            "product_code": item["product_code"], "product_name": item["product_name"],
            "indication": product_text, "icd10_codes": [], "prescribed_for": [],
            "first_dispensed_on": item["first_dispensed_on"],
            "last_dispensed_on": item["last_dispensed_on"], "fills": 0})
        merged["fills"] += item["fills"]
        merged["last_dispensed_on"] = item["last_dispensed_on"]
        merged["icd10_codes"] += [c for c in item["icd10_codes"]
                                  if c not in merged["icd10_codes"]]
        if item["indication"] and item["indication"] not in merged["prescribed_for"]:
            merged["prescribed_for"].append(item["indication"])
    old["medication_rationale"] = list(by_product.values())
    signer = old["signer"]
    old["attestation"] = FIRST_FORMAT_ATTESTATION.format(
        name=signer["name"], license=signer["license_number"], pharmacy=old["pharmacy"]["name"])
    return old
