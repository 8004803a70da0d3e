"""Read models of a case's fills for the POGOS, the custodian certificate and the pages."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from lienrx.auth.models import User
from lienrx.cases.models import CaseDiagnosis
from lienrx.compounding.models import CompoundingRecord
from lienrx.core.money import format_cents
from lienrx.core.schemas import plain_number
from lienrx.dispensing.models import Dispense
from lienrx.dur.models import DurAlert
from lienrx.extensions import db
from lienrx.formulary.models import MasterFormulation, Product
from lienrx.parties.models import Prescriber
from lienrx.prescribing.models import Prescription


def hyphenated_ndc(ndc: str | None) -> str | None:
    """An 11-digit NDC shown 5-4-2."""
    return None if ndc is None else f"{ndc[:5]}-{ndc[5:9]}-{ndc[9:]}"


def fill_lines(case_id: int) -> list[dict[str, Any]]:
    """Every fill of the case, oldest first, reversed fills included, in one query."""
    pharmacist = aliased(User)
    rows = db.session.execute(
        sa.select(Dispense, Prescription, Product, Prescriber, pharmacist,
                  CompoundingRecord, MasterFormulation)
        .join(Prescription, Prescription.id == Dispense.prescription_id)
        .join(Product, Product.id == Prescription.product_id)
        .join(Prescriber, Prescriber.id == Prescription.prescriber_id)
        .join(pharmacist, pharmacist.id == Dispense.pharmacist_user_id)
        .outerjoin(CompoundingRecord, CompoundingRecord.id == Dispense.compounding_record_id)
        .outerjoin(MasterFormulation, MasterFormulation.id == CompoundingRecord.formulation_id)
        .where(Dispense.case_id == case_id)
        .order_by(Dispense.dispensed_on, Dispense.id)
    ).all()
    case_codes = list(db.session.execute(
        sa.select(CaseDiagnosis.icd10).where(CaseDiagnosis.case_id == case_id)
        .order_by(CaseDiagnosis.position)).scalars())
    lines = []
    for fill, rx, product, prescriber, rph, batch, formulation in rows:
        compounded = batch is not None
        lines.append({
            "dispense_id": fill.id, "dispensed_on": fill.dispensed_on.isoformat(),
            "fill_number": fill.fill_number, "prescription_id": rx.id,
            "product_code": product.code, "product_name": product.name,
            "product_kind": product.kind,
            "ndc": None if compounded else hyphenated_ndc(fill.ndc),
            "ndc_lot": None if compounded else fill.lot_number,
            "formulation": (f"MFR {formulation.id} v{batch.formulation_version}"
                            if compounded else None),
            "batch_lot": batch.lot_number if compounded else None,
            "beyond_use_date": batch.beyond_use_date.isoformat() if compounded else None,
            "quantity": plain_number(fill.quantity), "unit": product.unit,
            "days_supply": fill.days_supply,
            "prescriber_name": prescriber.display_name, "prescriber_npi": prescriber.npi,
            "pharmacist_name": rph.name, "pharmacist_license": rph.license_number,
            "charge": format_cents(fill.charge_cents),
            "icd10_codes": list(rx.diagnosis_codes or case_codes),
            "status": fill.status, "refill_too_soon_override": fill.refill_override_reason,
        })
    return lines


def case_dur_alerts(case_id: int) -> list[dict[str, Any]]:
    """DUR alerts raised on the case's prescriptions, with their resolutions."""
    resolver = aliased(User)
    rows = db.session.execute(
        sa.select(DurAlert, resolver.name)
        .join(Prescription, Prescription.id == DurAlert.prescription_id)
        .outerjoin(resolver, resolver.id == DurAlert.resolved_by_user_id)
        .where(Prescription.case_id == case_id)
        .order_by(DurAlert.id)
    ).all()
    reviewed_at = _first_dispense_reviewing(case_id)
    return [{"alert_id": alert.id, "prescription_id": alert.prescription_id,
             "dispense_id": reviewed_at.get(alert.id), "kind": alert.kind,
             "severity": alert.severity, "message": alert.message,
             "resolution": alert.resolution, "resolved_by": name,
             "resolved_at": alert.resolved_at.isoformat() if alert.resolved_at else None}
            for alert, name in rows]


def _first_dispense_reviewing(case_id: int) -> dict[int, int]:
    seen: dict[int, int] = {}
    reviews = db.session.execute(
        sa.select(Dispense.id, Dispense.dur_review).where(Dispense.case_id == case_id)
        .order_by(Dispense.id)).all()
    for dispense_id, review in reviews:
        for item in review or []:
            seen.setdefault(item["id"], dispense_id)
    return seen


def medication_rationale(lines: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """One rationale per product dispensed: its seeded indication and the codes it treats."""
    by_code: dict[str, dict[str, Any]] = {}
    for line in lines:
        if line["status"] == "reversed":
            continue
        item = by_code.setdefault(line["product_code"], {
            "product_code": line["product_code"], "product_name": line["product_name"],
            "indication": None, "icd10_codes": [], "first_dispensed_on": line["dispensed_on"],
            "last_dispensed_on": line["dispensed_on"], "fills": 0})
        item["fills"] += 1
        item["last_dispensed_on"] = line["dispensed_on"]
        item["icd10_codes"] += [c for c in line["icd10_codes"] if c not in item["icd10_codes"]]
    indications = dict(db.session.execute(
        sa.select(Product.code, Product.indication).where(Product.code.in_(by_code))).all())
    for code, item in by_code.items():
        item["indication"] = indications.get(code)
    return list(by_code.values())
