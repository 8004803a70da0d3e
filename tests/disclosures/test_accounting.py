"""SPEC §7.8 / 45 CFR 164.528: each disclosure of a case's PHI to a law firm is logged, and
staff get the accounting of a patient's disclosures (API and page); reading it is audited."""

from __future__ import annotations

import sqlalchemy as sa

from lienrx.audit.models import AuditEvent
from lienrx.extensions import db
from tests import factories
from tests.disclosures.test_portal_notice import attorney, unauthorized_case
from tests.staff.conftest import sign_in as staff_sign_in


def accounting(api_as, patient_id, role="billing"):
    response = api_as(role).get(f"/api/v1/patients/{patient_id}/disclosures")
    assert response.status_code == 200, response.status_code
    return response.json


def test_every_disclosure_to_a_firm_is_in_the_accounting(api_as, app, world,
                                                         other_firms_records):
    records = other_firms_records
    counsel = api_as("attorney", firm=world.firm_id)
    reads = {"case": f"/api/v1/cases/{world.case_id}",
             "ledger": f"/api/v1/cases/{world.case_id}/ledger",
             "dispenses": f"/api/v1/dispenses/{records['dispense_id']}",
             "pogos": f"/api/v1/attestations/{records['attestation_id']}",
             "document": f"/api/v1/documents/{records['document_id']}/content",
             "payoff": f"/api/v1/cases/{world.case_id}/payoff"}
    for path in reads.values():
        assert counsel.get(path).status_code == 200, path
    found = accounting(api_as, world.patient_id)
    assert [row["what"] for row in found] == list(reversed(reads))  # newest first
    for row in found:
        assert row["law_firm_id"] == world.firm_id and row["user_id"] == counsel.user_id
        assert row["law_firm"].endswith("LLP") and row["at"] and row["case_id"] == world.case_id


def test_the_portal_case_page_and_list_are_disclosures(app, api_as, world):
    counsel = attorney(app, app.test_client(), world)
    assert counsel.get("/portal/").status_code == 200
    assert counsel.get(f"/portal/cases/{world.case_id}").status_code == 200
    assert [row["what"] for row in accounting(api_as, world.patient_id)] == ["case",
                                                                            "case_list"]


def test_a_refused_read_and_a_file_number_only_listing_disclose_nothing(app, api_as, world):
    case_id, _ = unauthorized_case(app, world, "NO-AUTH-9")
    counsel = api_as("attorney", firm=world.firm_id)
    assert counsel.get(f"/api/v1/cases/{case_id}").status_code == 403
    assert counsel.get("/api/v1/cases").status_code == 200
    with app.app_context():
        patient_id = db.session.get(factories.Case, case_id).patient_id
    assert accounting(api_as, patient_id) == []


def test_staff_reads_are_not_disclosures(api_as, world):
    assert api_as("billing").get(f"/api/v1/cases/{world.case_id}").status_code == 200
    assert accounting(api_as, world.patient_id) == []


def test_the_accounting_is_for_pharmacist_billing_and_admin_only(api_as, world):
    for role in ("pharmacist", "billing", "admin"):
        accounting(api_as, world.patient_id, role)
    for role in ("technician", "attorney"):
        response = api_as(role).get(f"/api/v1/patients/{world.patient_id}/disclosures")
        assert response.status_code == 403 and response.json["code"] == "forbidden", role
    assert api_as("billing").get("/api/v1/patients/999999/disclosures").status_code == 404


def test_reading_the_accounting_is_audited(app, api_as, world):
    reader = api_as("pharmacist")
    reader.get(f"/api/v1/patients/{world.patient_id}/disclosures")
    with app.app_context():
        event = db.session.execute(sa.select(AuditEvent).where(
            AuditEvent.action == "disclosure.accounting_read")).scalar_one()
    assert event.actor_user_id == reader.user_id and event.entity_id == str(world.patient_id)


def test_the_accounting_pages_like_other_lists(api_as, world):
    counsel = api_as("attorney", firm=world.firm_id)
    for _ in range(3):
        counsel.get(f"/api/v1/cases/{world.case_id}")
    response = api_as("billing").get(
        f"/api/v1/patients/{world.patient_id}/disclosures?page=2&page_size=2")
    assert len(response.json) == 1
    assert response.headers["X-Total-Count"] == "3"


def test_staff_page_shows_the_accounting_linked_from_the_patient(app, api_as, world):
    counsel = api_as("attorney", firm=world.firm_id)
    counsel.get(f"/api/v1/cases/{world.case_id}/ledger")
    billing = staff_sign_in(app, "billing")
    patient_page = billing.get(f"/staff/patients/{world.patient_id}").get_data(as_text=True)
    link = f"/staff/patients/{world.patient_id}/disclosures"
    assert f'href="{link}"' in patient_page
    page = billing.get(link).get_data(as_text=True)
    with app.app_context():
        firm = db.session.get(factories.LawFirm, world.firm_id).name
        user = db.session.get(factories.User, counsel.user_id)
    assert firm in page and "Lien ledger" in page and user.name in page
    assert "CST" in page or "CDT" in page  # the pharmacy's zone (America/Chicago)
