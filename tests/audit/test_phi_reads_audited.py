"""SPEC §5 (HIPAA): every read of patient data is audited, by construction.

Walks every GET route of the application. A route is either on the explicit list of pages
that carry no patient data, or a signed-in read of it must add an audit event naming the
reader. A new route fails this test until it records its read or is listed here with a reason.
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from lienrx.attestations import services as attestations
from lienrx.audit.models import AuditEvent
from lienrx.auth.models import User
from lienrx.case_documents import services as case_documents
from lienrx.dispensing import services as dispensing
from lienrx.extensions import db
from lienrx.parties.models import LawFirm
from lienrx.pdmp import services as pdmp
from lienrx.reduction_requests import services as reduction_requests
from lienrx.settlement import payoff
from tests import factories
from tests.formulary.factories import (
    GABAPENTIN_300_NDC,
    load_products,
    prescription,
    receive_ndc_lot,
)
from tests.pdmp.conftest import PHARMACY as PDMP_PHARMACY
from tests.portal.conftest import sign_in as portal_sign_in
from tests.settlement.conftest import pay, settle
from tests.staff.conftest import sign_in as staff_sign_in

# Endpoints that show no patient, client or case data, and why.
PHI_FREE = {
    "static": "stylesheets and scripts",
    "home.index": "redirects by role",
    "home.favicon": "redirects to the icon",
    "auth.login": "the sign-in form",
    "docs.api_docs": "API documentation",
    "api-docs.openapi_json": "the OpenAPI document",
    "attestations_api.list_keys": "public signing keys",
    "verify.page": "the public verification form: a verdict names versions, never a patient",
    "auth_api.me": "the caller's own account",
    "parties_api.list_law_firms": "law firms are businesses, not patients",
    "parties_api.get_law_firm": "law firms are businesses, not patients",
    "parties_api.get_prescriber": "a prescriber's public NPI record",
    "formulary_api.list_products": "the formulary",
    "formulary_api.get_product": "the formulary",
    "compounding_api.get_batch": "a batch record names ingredients and lots, no patient",
    "staff.batches": "batch records name ingredients and lots, no patient",
    "staff.batch": "a batch record names ingredients and lots, no patient",
    "staff.new_batch": "an empty batch form",
    "staff.new_case": "an empty case form",
    "staff.intake": "an empty intake form",
    "staff.export": "the export form (the workbook itself is audited when downloaded)",
    "staff.account_security": "the caller's own two-step sign-in settings, no patient",
    "staff.pdmp_reports": "the PDMP log: dates, states, counts and statuses, no patient",
    "staff.users": "accounts: names, e-mails, roles and firms of staff and counsel, no patient",
    "staff.user": "one account and a count of cases naming an attorney, no patient",
    "staff.edit_prescriber": "a prescriber's public NPI record and its edit form, no patient",
    "staff.new_user": "an empty account form",
    "staff.deactivate_user": "the confirmation of a deactivation: one account, no patient",
    # The controlled-substance inventory names drugs, lots, suppliers and staff; a draw names
    # its compounding record or dispense by id only, never a patient.
    "inventory_api.list_lots": "inventory lots name drugs and suppliers, no patient",
    "inventory_api.lot_movements": "a lot's journal names records by id, no patient",
    "inventory_api.report_xlsx": "drug totals per lot, no patient (the export is audited)",
    "inventory_api.report_pdf": "drug totals per lot, no patient (the export is audited)",
    "staff.inventory": "inventory lots name drugs and suppliers, no patient",
    "staff.receive_form": "an empty receiving form",
    "staff.inventory_lot": "a lot's journal names records by id, no patient",
    "staff.count_sheet": "the count sheet lists lots, no patient",
    "settlement_api.pharmacy_w9": "the pharmacy's own tax form, no patient",
    "portal.pharmacy_w9": "the pharmacy's own tax form, no patient",
    "portal.email_preferences": "the attorney's own e-mail choices, no patient",
    "webhooks_api.list_webhooks": "a firm's webhook URLs and event names, no patient",
    "webhooks_api.get_webhook": "a firm's webhook URL and event names, no patient",
    "portal_webhooks.page": "the firm's webhooks and delivery log: URLs, events, outcomes",
    "reports_api.aging_report": "balances summed per law firm and age bucket, no case named",
    "portal.summary": "the firm's sums and counts by status and age bucket, no client named",
}
# The closing letter exists only for a case closed without recovery: another case of the firm.
CLOSED_WITHOUT_RECOVERY = {"settlement_api.closing_letter_html",
                           "settlement_api.closing_letter_pdf", "portal.closing_letter_page",
                           "portal.closing_letter"}
ID_PARAM = re.compile(r"<int:(\w+)>")
QUERIES = {
    "settlement_api.settlement_preview": "?gross=100000.00&attorney_fees=33333.33&costs=1500.00",
    "parties_api.search_patients": "?last_name=Doe&date_of_birth=1980-01-01",
}
STAFF_ROLES = ("pharmacist", "billing", "technician", "admin")


def allowed_roles(view: Any) -> tuple[str, ...]:
    while view is not None:
        roles = getattr(view, "allowed_roles", None)
        if roles is not None:
            return tuple(roles)
        view = getattr(view, "__wrapped__", None)
    return ()


@pytest.fixture
def records(app: Any, world: Any, monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """One of every record a GET route can name, on the world case, which ends closed paid."""
    for key, value in PDMP_PHARMACY.items():
        monkeypatch.setitem(app.config, key, value)
    with app.app_context():
        load_products("GABA-CAP-300")
        rx = prescription(world.case_id, world.prescriber_id, "GABA-CAP-300",
                          quantity=Decimal(90), days_supply=30)
        pharmacist = factories.user("pharmacist")
        billing = factories.user("billing")
        fill = dispensing.dispense(pharmacist, dispensing.DispenseRequest(
            prescription_id=rx.id, quantity=rx.quantity, days_supply=30,
            ndc=GABAPENTIN_300_NDC,
            lot_number=receive_ndc_lot(GABAPENTIN_300_NDC, "GB2291A").lot_number))
        attestation = attestations.issue_attestation(pharmacist, world.case_id)
        request = reduction_requests.file_request(
            billing, world.case_id, method="amount", value=1_000, reason="audit walk")
        statement = payoff.issue_statement(billing, world.case_id)
        document = case_documents.upload(billing, world.case_id, file=b"%PDF-1.7 audit walk",
                                         kind="other")
        report = pdmp.generate(None, report_date=fill.dispensed_on - timedelta(days=1))
        unrecovered = factories.case(db.session.get(LawFirm, world.firm_id)).id
        factories.close(unrecovered, "no_recovery")
        db.session.commit()
        ids = {"case_id": world.case_id, "patient_id": world.patient_id,
               "prescriber_id": world.prescriber_id, "prescription_id": rx.id,
               "dispense_id": fill.id, "attestation_id": attestation.id,
               "reduction_request_id": request.id, "statement_id": statement.id,
               "report_id": report.id, "unrecovered_case_id": unrecovered,
               "document_id": document.id}
    return ids


def close_paid(api_as: Any, case_id: int) -> None:
    billing = api_as("billing")
    assert settle(billing, case_id).status_code == 201
    due = billing.get(f"/api/v1/cases/{case_id}/ledger").get_json()["balance"]
    assert pay(billing, case_id, due).status_code == 201
    closed = billing.post(f"/api/v1/cases/{case_id}/close", json={"outcome": "paid"})
    assert closed.status_code == 200


def events_by(app: Any, user_id: int) -> int:
    with app.app_context():
        count = db.session.execute(sa.select(sa.func.count(AuditEvent.id)).where(
            AuditEvent.actor_user_id == user_id)).scalar_one()
        db.session.remove()
        return int(count)


def reader(app: Any, api_as: Any, world: Any, path: str, roles: tuple[str, ...]) -> Any:
    """A signed-in client for the route: the world firm's attorney where attorneys may read
    it (portal and API), else a staff member of the first allowed role."""
    if path.startswith("/portal"):
        with app.app_context():  # the world attorney: the case belongs to their firm
            email = db.session.get(User, world.attorney_id).email
        return portal_sign_in(app.test_client(), email), world.attorney_id
    role = next(r for r in STAFF_ROLES if r in roles)
    if path.startswith("/staff"):
        client = staff_sign_in(app, role)
        return client, client.user_id
    client = api_as(role)
    return client, client.user_id


def test_every_phi_read_writes_an_audit_event(app, api_as, world, records):
    close_paid(api_as, records["case_id"])  # the release letter exists only once closed
    routes = [r for r in app.url_map.iter_rules() if "GET" in r.methods]
    assert set(PHI_FREE) <= {r.endpoint for r in routes}, "PHI_FREE names a route that is gone"
    checked, unaudited = [], []
    for rule in routes:
        if rule.endpoint in PHI_FREE:
            continue
        path = rule.rule
        ids = ({**records, "case_id": records["unrecovered_case_id"]}
               if rule.endpoint in CLOSED_WITHOUT_RECOVERY else records)
        for name in ID_PARAM.findall(path):
            path = path.replace(f"<int:{name}>", str(ids[name]))
        path += QUERIES.get(rule.endpoint, "")
        roles = allowed_roles(app.view_functions[rule.endpoint])
        readers = [(*reader(app, api_as, world, path, roles), "staff")]
        if "attorney" in roles and path.startswith("/api"):
            counsel = api_as("attorney", firm=world.firm_id)
            readers.append((counsel, counsel.user_id, "attorney"))
        for client, user_id, who in readers:
            before = events_by(app, user_id)
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
            if events_by(app, user_id) == before:
                unaudited.append(f"{path} ({who})")
            checked.append(path)
    assert not unaudited, f"PHI read without an audit event: {unaudited}"
    assert len(checked) >= 35
