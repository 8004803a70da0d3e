"""A pharmacy's book with something on every page: cases in each state, fills, batches, a
signed POGOS, a payoff statement, a reduction request, stock, a PDMP report, a webhook, and
one user of each role to look at them. Built through the services, as the pages' tests do."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from lienrx.attestations import use_cases as attestations
from lienrx.attestations.schemas import AttestationSchema
from lienrx.attestations.services import view as attestation_view
from lienrx.dispensing import services as dispensing
from lienrx.extensions import db
from lienrx.outbox import rules
from lienrx.pdmp import services as pdmp
from lienrx.reduction_requests import services as reduction_requests
from lienrx.settlement import payoff
from lienrx.webhooks import services as webhooks
from tests import factories
from tests.dispensing.conftest import pending_batch, verified_batch
from tests.formulary.factories import (
    GABAPENTIN_300_NDC,
    load_products,
    prescription,
    receive_ndc_lot,
)
from tests.workqueue import flow

ROLES = ("admin", "pharmacist", "technician", "billing", "attorney")
# Names as long as real firms' are: a page must wrap them or scroll them in a box on a phone.
LONG_FIRM_NAME = "Hartley, Moss, Okonkwo-Vasquez & Abernathy-Castellanos Injury Law Group"


@dataclass
class Book:
    """Ids of what the pages show, and the e-mail of the user of each role who looks."""

    users: dict[str, str]
    patient_id: int
    prescriber_id: int
    case_id: int  # active, with fills, a signed POGOS, a payoff statement and a request
    pogos_json: str  # its POGOS as saved from the API, for /verify
    cream_id: int  # the ketamine cream's product
    cream_rx: int
    open_rx: int  # entered, not filled: its DUR alert is open
    dispense_id: int
    pending_batch_id: int  # waits for a pharmacist's verification
    lot_id: int
    report_id: int
    statement_id: int
    held_case_id: int
    paid_case_id: int  # closed paid: its release letter
    unrecovered_case_id: int  # closed without recovery: its closing letter
    unauthorized_case_id: int  # the firm's, without the client's HIPAA authorization
    other_user_id: int  # an account the admin looks at


def build(app: Any) -> Book:
    """Make the book and commit it (the pharmacy's identity must be configured, as a PDMP
    file needs)."""
    with app.app_context():
        load_products("GABA-CAP-300", "KET-CRM-10")
        firm = factories.law_firm(LONG_FIRM_NAME)
        walkers = {role: factories.user(role, firm_id=firm.id if role == "attorney" else None)
                   for role in ROLES}
        attorney = walkers["attorney"]
        client = factories.patient(first_name="Jordan", last_name="Rivera",
                                   address="12 Oak St, Nashville, TN 37203", sex="female")
        doctor = factories.prescriber()
        case = factories.case(firm, patient_id=client.id, attorney_user_id=attorney.id)
        gabapentin = prescription(case.id, doctor.id, "GABA-CAP-300", quantity=Decimal(90),
                                  days_supply=30, refills_authorized=1,
                                  sig="1 capsule by mouth three times daily")
        cream = prescription(case.id, doctor.id, "KET-CRM-10", quantity=Decimal(30),
                             days_supply=30, refills_authorized=2,
                             sig="Apply 1 g to the right wrist three times daily")
        batch_id = verified_batch("KET-CRM-10", 120, factories.user("technician"),
                                  factories.user("pharmacist"))
        lot = receive_ndc_lot(GABAPENTIN_300_NDC, "GB2291A")
        filler = factories.user("pharmacist")
        fill = dispensing.dispense(filler, dispensing.DispenseRequest(
            prescription_id=cream.id, quantity=Decimal(30), days_supply=30,
            compounding_record_id=batch_id))
        dispensing.dispense(filler, dispensing.DispenseRequest(
            prescription_id=gabapentin.id, quantity=Decimal(90), days_supply=30,
            ndc=GABAPENTIN_300_NDC, lot_number="GB2291A"))
        signed = attestations.sign_in_person(
            filler, case.id, password=factories.PASSWORD,
            narrative="Topical ketamine spares the oral opioids.")
        statement = payoff.issue_statement(walkers["billing"], case.id)
        reduction_requests.file_request(attorney, case.id, method="percent",
                                        value=Decimal(20), reason="Policy limits are low.")
        report = pdmp.generate(None, report_date=fill.dispensed_on)
        webhooks.create(attorney, url="https://hooks.hartley-moss.test/lienrx",
                        events=[rules.NEW_FILL, rules.CASE_CLOSED])
        flow.open_case("Okafor")  # waits in intake
        waiting = flow.open_case("Nakamura")
        flow.sign_agreement(waiting)
        flow.enter_prescription(waiting)  # its DUR alert is open
        assert waiting.rx_id is not None
        pending = pending_batch("KET-CRM-10", 60, factories.user("technician"))
        held = factories.case(firm, attorney_user_id=attorney.id)
        factories.hold(held.id)
        paid = factories.case(firm, attorney_user_id=attorney.id)
        factories.ledger_charge(paid.id, 48_000)
        factories.close(paid.id, "paid")
        unrecovered = factories.case(firm, attorney_user_id=attorney.id)
        factories.ledger_charge(unrecovered.id, 12_500)
        factories.close(unrecovered.id, "no_recovery")
        unauthorized = factories.case(firm, attorney_user_id=attorney.id, authorized=False)
        db.session.commit()
        return Book(
            users={role: user.email for role, user in walkers.items()}, patient_id=client.id,
            prescriber_id=doctor.id, case_id=case.id,
            pogos_json=AttestationSchema().dumps(attestation_view(signed)),
            cream_id=cream.product_id, cream_rx=cream.id,
            open_rx=waiting.rx_id, dispense_id=fill.id,
            pending_batch_id=pending, lot_id=lot.id, report_id=report.id,
            statement_id=statement.id, held_case_id=held.id, paid_case_id=paid.id,
            unrecovered_case_id=unrecovered.id, unauthorized_case_id=unauthorized.id,
            other_user_id=filler.id)
