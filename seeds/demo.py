"""A demo law firm, staff and attorney accounts, a patient and an active CRPS case with fills."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app

from lienrx.auth import services as auth
from lienrx.auth.models import User
from lienrx.case_documents import services as case_documents
from lienrx.cases import services as cases
from lienrx.compounding import services as compounding
from lienrx.core import clock, documents
from lienrx.core.schemas import plain_number
from lienrx.dispensing import services as dispensing
from lienrx.dur.use_cases import enter_prescription
from lienrx.extensions import db
from lienrx.formulary.models import MasterFormulation, Product
from lienrx.formulary.services import approve_formulation, product_by_code
from lienrx.inventory import services as inventory
from lienrx.parties import services as parties
from lienrx.parties.models import LawFirm
from lienrx.seeds.demo_accounts import DEMO_ACCOUNTS, DEMO_PASSWORD
from lienrx.seeds.formulary import load_formulary

DEMO_FIRM = "Demo & Partners Injury Law"
# Bulk ketamine HCl received against an invoice, so the demo batch's ketamine lot is real stock.
# The NDC is Letco Medical's ketamine hydrochloride bulk powder, 100 g jar (product 62991-1087,
# C-III, a bulk ingredient), as the openFDA NDC directory lists it:
# https://api.fda.gov/drug/ndc.json?search=packaging.package_ndc:"62991-1087-4"
KETAMINE_BULK_NDC = "62991-1087-2"
# The supplier and its DEA number are made up for the demo (the check digit holds).
DEMO_SUPPLIER = "Demo Compounding Supply (demo distributor)"
DEMO_SUPPLIER_DEA = "RD1234563"
# Gabapentin is schedule V in Tennessee: the demo fill draws from a received lot (five bottles
# of 100 of the product's default NDC; the lot number is made up).
GABAPENTIN_LOT, GABAPENTIN_RECEIVED = "DEMO-GB1", Decimal(500)


def load_demo() -> list[str]:
    """Create the demo records once; return the e-mails of the demo accounts."""
    if db.session.execute(sa.select(LawFirm.id).where(LawFirm.name == DEMO_FIRM)).first():
        return []
    firm = parties.create_law_firm(None, name=DEMO_FIRM, address="100 Main St, Nashville, TN",
                                   phone="615-555-0100", email="intake@demo-law.test")
    users = {account.email: auth.create_user(
        None, email=account.email, name=account.name, role=account.role,
        password=DEMO_PASSWORD, license_number=account.license_number,
        law_firm_id=firm.id if account.of_the_firm else None) for account in DEMO_ACCOUNTS}
    attorney = users["attorney@demo.lienrx.test"]
    today = clock.today()
    patient = parties.create_patient(None, first_name="Jordan", last_name="Rivera",
                                     date_of_birth=today.replace(year=today.year - 41),
                                     phone="615-555-0199",
                                     address="12 Oak St, Nashville, TN 37203", sex="female")
    doctor = parties.create_prescriber(None, first_name="Morgan", last_name="Pain",
                                       credential="MD", npi="1234567893",
                                       dea_number="AP5836727", state_license="TN-MD-55555",
                                       specialty="Pain medicine")
    case = cases.open_case(
        None, patient_id=patient.id, law_firm_id=firm.id, attorney_user_id=attorney.id,
        firm_file_number="DP-2026-0042", date_of_injury=today - timedelta(days=120),
        injury_mechanism="motor_vehicle",
        mechanism_narrative="Rear-end collision; right wrist fracture, CRPS onset 6 weeks later.",
        jurisdiction="TN",
        diagnoses=[{"icd10": "G90.511", "laterality": "right",
                    "source": "Pain clinic consult note"},
                   {"icd10": "S62.101A", "laterality": "right", "source": "ED record"}])
    cases.record_lien_agreement(None, case.id, signed_on=today - timedelta(days=30),
                                patient_signed=True, attorney_user_id=attorney.id)
    _hipaa_authorization(case.id, firm, "Jordan Rivera", today - timedelta(days=30))
    _fills(case.id, doctor.id, today)
    return list(users)


def _hipaa_authorization(case_id: int, firm: LawFirm, patient: str, signed_on: date) -> None:
    """The client's HIPAA authorization naming the demo firm (a generated PDF, expiring at the
    end of the claim), so the attorney portal may show the demo case."""
    rendered = documents.render("documents/demo_hipaa_authorization.html", patient=patient,
                                firm=firm.name, signed_on=signed_on.isoformat(),
                                pharmacy=current_app.config["LIENRX_PHARMACY_NAME"])
    case_documents.upload(None, case_id, file=documents.to_pdf(rendered),
                          kind="hipaa_authorization", law_firm_id=firm.id)


def _fills(case_id: int, prescriber_id: int, today: date) -> None:
    """A verified ketamine cream batch and two fills at $0: cream and gabapentin."""
    load_formulary()
    by_email = {u.email: u for u in db.session.execute(sa.select(User)).scalars()}
    tech, rph = by_email["tech@demo.lienrx.test"], by_email["pharmacist@demo.lienrx.test"]
    verifier = by_email["verifier@demo.lienrx.test"]
    cream, gabapentin = _seeded("KET-CRM-10"), _seeded("GABA-CAP-300")
    formulation = cream.formulation
    if formulation is None:
        raise LookupError("The formulary seed gives KET-CRM-10 no master formulation.")
    approve_formulation(rph, formulation.id)  # the demo pharmacist reviews the cream's MFR
    expires = today + timedelta(days=730)
    lots = [{"component": i.component, "vendor": "Medisca", "lot_number": f"DEMO{n}",
             "ndc": KETAMINE_BULK_NDC if i.role == "api" else None,
             "expiration_date": expires, "quantity": Decimal(i.quantity),
             "unit": i.unit} for n, i in enumerate(formulation.ingredients)]
    ketamine = lots[0]  # the formulation's API
    inventory.receive(rph, component=ketamine["component"], ndc=KETAMINE_BULK_NDC,
                      lot_number=ketamine["lot_number"], expiration_date=expires,
                      quantity=Decimal(100), unit="g", supplier=DEMO_SUPPLIER,
                      supplier_dea_number=DEMO_SUPPLIER_DEA, invoice_number="DEMO-INV-0001",
                      received_on=today - timedelta(days=35))
    inventory.receive(rph, product_id=gabapentin.id, ndc=gabapentin.ndc or "",
                      lot_number=GABAPENTIN_LOT, expiration_date=expires,
                      quantity=GABAPENTIN_RECEIVED, unit=gabapentin.unit, supplier=DEMO_SUPPLIER,
                      supplier_dea_number=DEMO_SUPPLIER_DEA, invoice_number="DEMO-INV-0002",
                      received_on=today - timedelta(days=35))
    batch = compounding.record_batch(tech, product_id=cream.id,
                                     quantity=Decimal(formulation.batch_quantity),
                                     ingredients=lots, qc_results=_mid_range(formulation))
    compounding.verify_batch(verifier, batch.id)
    # 1 g three times a day is 90 g a month; a 300 mg capsule three times a day is 90.
    orders = ((cream, "Apply 1 g to the right wrist three times daily", 90, batch.id,
               {"amount": Decimal(1), "unit": "g", "times_per_day": Decimal(3)},
               "Allodynia of the right wrist in complex regional pain syndrome type I"),
              (gabapentin, "1 capsule by mouth three times daily", 90, None,
               {"amount": Decimal(300), "unit": "mg", "times_per_day": Decimal(3)},
               "Neuropathic pain of complex regional pain syndrome type I, right upper limb"))
    for product, sig, quantity, batch_id, dose, indication in orders:
        rx = enter_prescription(
            None, case_id=case_id, prescriber_id=prescriber_id, product_id=product.id, sig=sig,
            quantity=Decimal(quantity), days_supply=30, refills_authorized=2, written_on=today,
            diagnosis_codes=["G90.511"], indication=indication, dose=dose)
        dispensing.dispense(rph, dispensing.DispenseRequest(
            prescription_id=rx.id, quantity=Decimal(quantity), days_supply=30,
            compounding_record_id=batch_id, ndc=None if batch_id else product.ndc,
            lot_number=None if batch_id else GABAPENTIN_LOT))


def _mid_range(formulation: MasterFormulation) -> dict[str, str]:
    """Demo QC results: the middle of each range, or the expected text."""
    results = {}
    for check in formulation.qc_checks:
        if check.get("min") is None and check.get("max") is None:
            results[check["name"]] = check.get("expected", "as expected")
            continue
        low = Decimal(check.get("min", check.get("max")))
        high = Decimal(check.get("max", check.get("min")))
        results[check["name"]] = plain_number((low + high) / 2)
    return results


def _seeded(code: str) -> Product:
    """A product the formulary seed (loaded just before) must have created."""
    product = product_by_code(code)
    if product is None:
        raise LookupError(f"The formulary seed has no product {code}.")
    return product
