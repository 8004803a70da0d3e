"""Synthetic POGOS documents in the shape dispensing will supply, for rendering tests."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from lienrx.attestations.layout import Seal
from lienrx.core.money import format_cents, to_cents

SEAL = Seal(attestation_id=7, sha256="ab" * 32, signature="c2lnbmF0dXJl" * 7 + "==",
            key_id="ed25519:0123456789abcdef",
            verify_url="http://lienrx.test/api/v1/attestations/verify",
            keys_url="http://lienrx.test/api/v1/attestation-keys",
            json_url="http://lienrx.test/api/v1/attestations/7")


def line(i: int, start: date = date(2025, 1, 6)) -> dict[str, Any]:
    """The i-th fill: compounded on even numbers, commercial on odd ones."""
    compounded = i % 2 == 0
    return {
        "dispense_id": 1000 + i, "dispensed_on": (start + timedelta(days=7 * i)).isoformat(),
        "fill_number": i % 6 + 1, "prescription_id": 500 + i // 6,
        "product_code": "KET-TRO-25" if compounded else "GABA-300",
        "product_name": "Ketamine 25 mg troche" if compounded else "Gabapentin 300 mg capsule",
        "product_kind": "compounded" if compounded else "commercial",
        "ndc": None if compounded else "00228-2667-11",
        "ndc_lot": None if compounded else f"G{i:05d}",
        "formulation": "MFR 4 v2" if compounded else None,
        "batch_lot": f"C-2025-{i:04d}" if compounded else None,
        "beyond_use_date": (start + timedelta(days=7 * i + 180)).isoformat()
        if compounded else None,
        "quantity": "30", "unit": "each", "days_supply": 30,
        "prescriber_name": "Morgan Pain", "prescriber_npi": "1234567893",
        "pharmacist_name": "Pat Pharmacist", "pharmacist_license": "TN-RPH-00001",
        "charge": format_cents(18550 + i), "icd10_codes": ["G90.511", "M79.641"],
        "status": "reversed" if i == 3 else "dispensed", "refill_too_soon_override": None,
    }


def document(lines: int = 0) -> dict[str, Any]:
    """A complete document with ``lines`` dispense lines."""
    fills = [line(i) for i in range(lines)]
    kept = [f for f in fills if f["status"] == "dispensed"]
    return {
        "schema": "lienrx.pogos/1",
        "title": "Pharmacy-Organized General Occurrence Summary (POGOS)",
        "version": 2, "issued_at": "2025-06-01T12:00:00+00:00",
        "supersedes": {"version": 1, "sha256": "cd" * 32},
        "pharmacy": {"name": "LienRx Compounding Pharmacy"},
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
        "reversals": [{"entry_id": 77, "occurred_on": "2025-01-30", "amount": "185.53",
                       "memo": "returned to stock", "reverses_entry_id": 70,
                       "dispense_id": 1003}] if lines > 3 else [],
        "dur_alerts": [{"alert_id": "dur-1", "prescription_id": 500, "dispense_id": 1000,
                        "kind": "cns_depressants", "severity": "high",
                        "message": "Three CNS depressants", "resolution": "Prescriber consulted",
                        "resolved_by": "Pat Pharmacist",
                        "resolved_at": "2025-01-06T10:00:00+00:00"}] if lines else [],
        "medication_rationale": [{"product_code": "KET-TRO-25",
                                  "product_name": "Ketamine 25 mg troche",
                                  "indication": "NMDA antagonist for CRPS pain.",
                                  "icd10_codes": ["G90.511"], "first_dispensed_on": "2025-01-06",
                                  "last_dispensed_on": "2028-10-30", "fills": 100}]
        if lines else [],
        "pharmacist_narrative": "Regimen follows the CRPS guideline.",
        "fills": {"count": len(kept), "reversed": lines - len(kept),
                  "charges": format_cents(sum(to_cents(f["charge"]) for f in kept))},
        "ledger": {"balance": "1234.56",
                   "totals": {"charges": "1234.56", "reversals": "0.00", "reductions": "0.00",
                              "payments": "0.00", "write_offs": "0.00", "refunds": "0.00"}},
        "signer": {"user_id": 1, "name": "Pat Pharmacist", "license_number": "TN-RPH-00001"},
        "attestation": "I, Pat Pharmacist, attest that the records are true.",
    }
