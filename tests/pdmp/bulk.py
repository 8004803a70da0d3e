"""A day of many controlled dispenses in the database, made fast (the 1,000-dispense test and
``bench/pdmp_day.py``).

Patients, cases, the prescriber, the pharmacist and one verified ketamine batch go through
the services; prescriptions, their fills and the dispenses are inserted as the rows the
dispensing service leaves (refill number, partial sequence, fill parts, NDC or batch), in one
transaction. No ledger charge, DUR review or label is made: the PDMP report reads none of
them. Every third dispense is ketamine cream from the batch, every third zolpidem (every
fourth of those a first partial of 10 of 30 tablets), every third gabapentin (state
Schedule V in TN).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from lienrx.cases import services as cases
from lienrx.compounding.models import CompoundingRecord
from lienrx.core import clock
from lienrx.dispensing.models import Dispense
from lienrx.extensions import db
from lienrx.formulary.models import Product
from lienrx.parties import services as parties
from lienrx.prescribing import rules as rx_rules
from lienrx.prescribing.models import Prescription, PrescriptionFill
from tests import factories
from tests.dispensing.conftest import verified_batch
from tests.formulary.factories import load_products

CREAM, ZOLPIDEM, GABAPENTIN = "KET-CRM-10", "ZOLP-TAB-10", "GABA-CAP-300"
PER_PATIENT = 4
# (product, quantity per fill, quantity dispensed, days supply)
KINDS = ((CREAM, 30, 30, 30), (ZOLPIDEM, 30, 30, 30), (GABAPENTIN, 90, 90, 30))


def controlled_day(on: date, count: int, *, moment: datetime) -> list[int]:
    """``count`` controlled dispenses filled on ``on`` and recorded at ``moment`` (aware);
    returns their ids. The caller commits."""
    load_products(CREAM, ZOLPIDEM, GABAPENTIN)
    products = {p.code: p for p in db.session.execute(
        sa.select(Product).where(Product.code.in_((CREAM, ZOLPIDEM, GABAPENTIN)))).scalars()}
    firm = factories.law_firm()
    doctor = factories.prescriber()
    pharmacist = factories.user("pharmacist")
    batch = db.session.get(CompoundingRecord, verified_batch(
        CREAM, 30 * (count // 3 + 1), factories.user("technician"),
        factories.user("pharmacist")))
    assert batch is not None
    case_ids = [_case(firm, n, on) for n in range(-(-count // PER_PATIENT))]
    tn = rx_rules.state_rule("TN")
    prescriptions = []
    for n in range(count):
        code, size, _, days = KINDS[n % 3]
        product = products[code]
        prescriptions.append(Prescription(
            case_id=case_ids[n // PER_PATIENT], prescriber_id=doctor.id, product_id=product.id,
            sig="Use as directed", quantity=Decimal(size), days_supply=days,
            refills_authorized=1, written_on=on, expires_on=on + timedelta(days=180),
            schedule=rx_rules.effective_schedule(product.dea_schedule,
                                                 list(product.dur_classes or []), tn),
            diagnosis_codes=["G90.511"], source="written", status="active",
            quantity_dispensed=Decimal(_dispensed(n)), fills_dispensed=1,
            quantity_forfeited=Decimal(0), created_at=moment, updated_at=moment,
            fills=[PrescriptionFill(refill_number=0, quantity_dispensed=Decimal(_dispensed(n)),
                                    last_partial=1)]))
    db.session.add_all(prescriptions)
    db.session.flush()
    dispenses = [_dispense(n, rx, products, batch, pharmacist.id, on, moment)
                 for n, rx in enumerate(prescriptions)]
    db.session.add_all(dispenses)
    batch.remaining_quantity = Decimal(batch.quantity) - sum(
        (Decimal(d.quantity) for d in dispenses if d.compounding_record_id), Decimal(0))
    db.session.flush()
    return [d.id for d in dispenses]


def _dispensed(n: int) -> int:
    code, _, dispensed, _ = KINDS[n % 3]
    return 10 if code == ZOLPIDEM and n % 12 == 1 else dispensed


def _case(firm: Any, n: int, on: date) -> int:
    patient = parties.create_patient(
        None, first_name="Jordan", last_name=f"Bulk{n:05d}", date_of_birth=date(1980, 1, 1),
        address=f"{n + 1} Oak St, Nashville, TN 37203", sex=("female", "male")[n % 2],
        confirm_new=True)
    opened = cases.open_case(
        None, patient_id=patient.id, law_firm_id=firm.id, date_of_injury=on - timedelta(90),
        injury_mechanism="motor_vehicle", jurisdiction="TN",
        diagnoses=[{"icd10": "G90.511", "laterality": "right", "source": "consult"}],
        firm_file_number=f"BULK-{n}")
    cases.record_lien_agreement(None, opened.id, signed_on=on - timedelta(days=1),
                                patient_signed=True)
    return opened.id


def _dispense(n: int, rx: Prescription, products: dict[str, Product],
              batch: CompoundingRecord, pharmacist_id: int, on: date,
              moment: datetime) -> Dispense:
    code, _, _, days = KINDS[n % 3]
    quantity = Decimal(_dispensed(n))
    compounded = code == CREAM
    return Dispense(
        prescription_id=rx.id, case_id=rx.case_id, fill_number=1, refill_number=0,
        partial_sequence=1, starts_fill=True,
        fill_parts=[{"refill_number": 0, "quantity": str(quantity), "partial_sequence": 1}],
        quantity=quantity, days_supply=days if quantity == rx.quantity else 10,
        dispensed_on=on, compounding_record_id=batch.id if compounded else None,
        ndc=None if compounded else products[code].ndcs[0].ndc,
        lot_number=batch.lot_number if compounded else f"LOT{n % 7}",
        delivery_method="pickup", pharmacist_user_id=pharmacist_id, unit_price_cents=0,
        dispensing_fee_cents=0, compounding_fee_cents=0, charge_cents=0, patient_paid_cents=0,
        dur_review=[], label={}, status="dispensed", created_at=moment)


def now_at(on: date, hour: int) -> datetime:
    """An aware moment of a pharmacy-local day."""
    return datetime(on.year, on.month, on.day, hour, tzinfo=clock.timezone())
