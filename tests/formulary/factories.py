"""Test data for the formulary, prescribing, compounding and DUR, built through the services."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from lienrx.cases.models import Case
from lienrx.core import clock
from lienrx.core.identifiers import normalize_ndc
from lienrx.dur import use_cases
from lienrx.extensions import db
from lienrx.formulary import services as formulary
from lienrx.formulary.models import Product
from lienrx.inventory import queries as inventory_queries
from lienrx.inventory import services as inventory
from lienrx.inventory.models import InventoryLot
from lienrx.prescribing import services as prescribing
from lienrx.prescribing.models import Prescription
from lienrx.seeds.formulary import load_formulary, seed_data

# A package NDC of the seeded gabapentin 300 mg (the product lists several, so a fill names it).
GABAPENTIN_300_NDC = "65162-102-10"

# The indication and diagnosis of the default test case (CRPS I of the right upper limb).
INDICATION = "Complex regional pain syndrome type I of the right upper limb"
RX_DEFAULTS: dict[str, Any] = {"sig": "Use as directed", "quantity": Decimal(30),
                               "days_supply": 30, "refills_authorized": 0,
                               "diagnosis_codes": ["G90.511"], "indication": INDICATION}


def load_products(*codes: str) -> dict[str, int]:
    """Load the seeded products with these codes (all when none), every DUR rule and class."""
    data = seed_data()
    chosen = [p for p in data["products"] if not codes or p["code"] in codes]
    load_formulary({"products": chosen, "dur_rules": data["dur_rules"],
                    "dur_classes": data["dur_classes"]})
    return {p["code"]: product_id(p["code"]) for p in chosen}


def product_id(code: str) -> int:
    found = formulary.product_by_code(code)
    assert found is not None, code
    return found.id


def extra_product(code: str, classes: list[str], *, dea_schedule: str | None = None,
                  strength_mg: float = 5, route: str = "oral") -> Product:
    """A commercial product the seed does not carry (e.g. an opioid), with no NDC."""
    product, _ = formulary.upsert_product(
        None, code=code, name=f"{code} tablet", kind="commercial", dosage_form="tablet",
        route=route, strength=f"{strength_mg} mg", strength_mg_per_unit=strength_mg,
        unit="each", dea_schedule=dea_schedule, hazardous=False, dur_classes=classes)
    return product


def prescription(case_id: int, prescriber_id: int, code: str, *, evaluate: bool = True,
                 **fields: Any) -> Prescription:
    """A prescription for the product ``code`` on a case, DUR run as at entry; it treats the
    case's first diagnosis unless ``diagnosis_codes`` says otherwise."""
    case = db.session.get(Case, case_id)
    first_code = [case.diagnoses[0].icd10] if case is not None and case.diagnoses else []
    values = {**RX_DEFAULTS, "written_on": clock.today(), "diagnosis_codes": first_code,
              **fields}
    values.update(case_id=case_id, prescriber_id=prescriber_id, product_id=product_id(code))
    if evaluate:
        return use_cases.enter_prescription(None, **values).prescription
    return prescribing.create_prescription(None, **values)


BULK_NDC = "38779-0466-05"  # a drug substance lot's NDC, as printed (test data)
KETAMINE = "Ketamine hydrochloride USP powder"  # the controlled component of the ketamine MFRs


def _formulation(code: str) -> Any:
    product = formulary.product_by_code(code)
    assert product is not None
    formulation = formulary.compounding_formulation(product)
    assert formulation is not None, f"{code} has no approved formulation"
    return formulation


SUPPLIER_DEA = "PB1234563"  # a distributor's DEA number with a valid check digit (made up)


def _receive(ndc: str, lot_number: str, quantity: Decimal | int | str, unit: str,
             **drug: Any) -> InventoryLot:
    found = inventory.lot_for_ndc(ndc, lot_number)
    today = clock.today()
    return inventory.receive(
        None, ndc=ndc, lot_number=lot_number, quantity=Decimal(str(quantity)), unit=unit,
        expiration_date=found.expiration_date if found else today + timedelta(days=3650),
        supplier="Test Distributor", supplier_dea_number=SUPPLIER_DEA,
        invoice_number="INV-0001", received_on=today, **drug)


def receive_lot(component: str, lot_number: str, quantity: Decimal | int | str, *,
                ndc: str = BULK_NDC, unit: str = "g") -> InventoryLot:
    """Receive ``quantity`` of a bulk component's lot into the inventory (again: more of it),
    so a batch may draw it. Not committed."""
    return _receive(ndc, lot_number, quantity, unit, component=component)


def receive_ndc_lot(ndc: str, lot_number: str, quantity: Decimal | int | str = 1000
                    ) -> InventoryLot:
    """Receive ``quantity`` of a commercial product's lot (the product the NDC is listed
    under), so a controlled fill may draw it. Not committed."""
    product = next(p for p in db.session.execute(sa.select(Product)).scalars()
                   if any(n.ndc == normalize_ndc(ndc) for n in p.ndcs))
    return _receive(ndc, lot_number, quantity, product.unit, product_id=product.id)


def lots_for(code: str, batch_quantity: Decimal | int, *, expires: date | None = None,
             factor: Decimal | str = "1", received: bool = True) -> list[dict[str, Any]]:
    """Ingredient lots for a batch of ``batch_quantity``: the approved formula scaled exactly
    (times ``factor``), each lot expiring on ``expires`` (two years ahead by default), the
    drug substance's with its NDC. Unless ``received`` is False, each controlled ingredient's
    lot is received into the inventory with twice what the batch weighs, and committed."""
    formulation = _formulation(code)
    scale = Decimal(batch_quantity) / Decimal(formulation.batch_quantity) * Decimal(factor)
    expires = expires or clock.today() + timedelta(days=730)
    lots = [{"component": i.component, "vendor": "Medisca", "lot_number": f"L{n:04d}",
             **({"ndc": BULK_NDC} if i.role == "api" else {}),
             "expiration_date": expires.isoformat(),
             "quantity": float((Decimal(i.quantity) * scale).quantize(Decimal("0.001"))),
             "unit": i.unit}
            for n, i in enumerate(formulation.ingredients)]
    controlled = [lot for lot in lots
                  if inventory_queries.component_schedule(lot["component"]) is not None]
    if received and controlled:
        for lot in controlled:
            receive_lot(lot["component"], lot["lot_number"], Decimal(str(lot["quantity"])) * 2,
                        ndc=lot.get("ndc", BULK_NDC), unit=lot["unit"])
        db.session.commit()
    return lots


def passing_qc(code: str, batch_quantity: Decimal | int) -> dict[str, Any]:
    """A result for every QC check of the approved formula that passes it: the expected text,
    or the middle of the range scaled to ``batch_quantity``."""
    formulation = _formulation(code)
    scale = Decimal(batch_quantity) / Decimal(formulation.batch_quantity)
    results: dict[str, Any] = {}
    for check in formulation.qc_checks:
        if check.get("min") is None and check.get("max") is None:
            results[check["name"]] = check.get("expected", "as expected")
            continue
        factor = scale if check.get("scales_with_batch") else Decimal(1)
        low = Decimal(check.get("min", check.get("max"))) * factor
        high = Decimal(check.get("max", check.get("min"))) * factor
        results[check["name"]] = float(((low + high) / 2).quantize(Decimal("0.001")))
    return results


@pytest.fixture
def seeded(app: Flask) -> dict[str, int]:
    """The whole formulary seed loaded and committed: product ids by code."""
    with app.app_context():
        ids = load_products()
        db.session.commit()
        return ids


@pytest.fixture
def tech(api_as: Any) -> Any:
    return api_as("technician")


@pytest.fixture
def pharmacist(api_as: Any) -> Any:
    return api_as("pharmacist")


def prescriber_without_dea() -> int:
    """A prescriber with no DEA number (an NPI no other prescriber in the test holds)."""
    from lienrx.parties import services as parties
    from lienrx.parties.models import Prescriber
    from tests.factories import VALID_NPIS

    taken = set(db.session.execute(sa.select(Prescriber.npi)).scalars())
    npi = next(n for n in VALID_NPIS if n not in taken)
    return parties.create_prescriber(None, first_name="Nora", last_name="Nodea", npi=npi).id
