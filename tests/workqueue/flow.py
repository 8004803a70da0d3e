"""One lien taken through the pharmacy the way the staff would, step by step through the
services, so the work queue's tests (and its browser test) can watch it move stage by stage."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa

from lienrx.cases import services as cases
from lienrx.compounding import services as compounding
from lienrx.compounding.models import CompoundingRecord
from lienrx.core import clock
from lienrx.dispensing import services as dispensing
from lienrx.dur import services as dur
from lienrx.dur.models import DurAlert
from lienrx.extensions import db
from tests import factories
from tests.dispensing.conftest import pending_batch
from tests.formulary.factories import load_products, prescription

CREAM = "KET-CRM-10"  # compounded: the lien needs a batch made and verified


@dataclass
class Lien:
    """The ids of the lien moving through the queue."""

    case_id: int
    file_number: str
    patient: str
    prescriber_id: int
    rx_id: int | None = None
    batch_id: int | None = None
    batch_lot: str = ""


def open_case(last_name: str = "Okafor") -> Lien:
    """Intake: a case without its lien agreement; the client is allergic to ketamine, so the
    cream's entry raises a high DUR alert."""
    load_products(CREAM)
    firm = factories.law_firm()
    client = factories.patient(first_name="Adaeze", last_name=last_name,
                               allergies=[{"substance": "ketamine", "reaction": "rash"}])
    case = factories.case(firm, active=False, patient_id=client.id,
                          firm_file_number=f"PI-{factories.n()}")
    return Lien(case.id, case.firm_file_number, f"Adaeze {last_name}",
                factories.prescriber().id)


def sign_agreement(lien: Lien) -> None:
    """The agreement is recorded: the case waits for its prescription."""
    cases.record_lien_agreement(None, lien.case_id, signed_on=clock.today(),
                                patient_signed=True)


def enter_prescription(lien: Lien) -> None:
    """The cream is entered; DUR finds the allergy."""
    lien.rx_id = prescription(lien.case_id, lien.prescriber_id, CREAM, quantity=Decimal(30),
                              days_supply=30, refills_authorized=2).id


def resolve_alerts(lien: Lien) -> None:
    """A pharmacist resolves the alert: the cream needs a batch."""
    pharmacist = factories.user("pharmacist")
    for alert in db.session.execute(sa.select(DurAlert).where(
            DurAlert.prescription_id == lien.rx_id, DurAlert.status == "open")).scalars():
        dur.resolve(alert.id, pharmacist, dur.Resolution("DA", "R0", "1B", note="reviewed"))


def make_batch(lien: Lien) -> None:
    """A technician makes the batch: it waits for a pharmacist's verification."""
    lien.batch_id = pending_batch(CREAM, 120, factories.user("technician"))
    lien.batch_lot = db.session.get(CompoundingRecord, lien.batch_id).lot_number


def verify_batch(lien: Lien) -> None:
    """A second pharmacist verifies the batch (a request of its own): ready to dispense."""
    db.session.commit()
    compounding.verify_batch(factories.user("pharmacist"), lien.batch_id)


def dispense(lien: Lien) -> None:
    """The pharmacist dispenses the fill: dispensed today."""
    assert lien.rx_id is not None
    dispensing.dispense(factories.user("pharmacist"), dispensing.DispenseRequest(
        prescription_id=lien.rx_id, quantity=Decimal(30), days_supply=30,
        compounding_record_id=lien.batch_id))


# stage the lien is in after each step
STEPS = ((sign_agreement, "entry"), (enter_prescription, "dur"), (resolve_alerts, "compounding"),
         (make_batch, "verification"), (verify_batch, "ready"), (dispense, "dispensed"))
