"""SPEC §4.2: the case status machine, lien agreements, outside treatments, counsel changes."""

import itertools

import pytest
import sqlalchemy as sa

from lienrx.cases import rules, services
from lienrx.cases.models import Case
from lienrx.core.errors import Conflict
from lienrx.extensions import db
from lienrx.ledger.models import JournalEntry
from tests import factories

AGREEMENT = {"signed_on": "2026-11-01", "patient_signed": True,
             "document_sha256": "a" * 64, "non_recourse": True}


@pytest.fixture
def intake_case(app):
    with app.app_context():
        firm = factories.law_firm()
        case = factories.case(firm, active=False)
        db.session.commit()
        return case.id, firm.id


@pytest.mark.parametrize(("source", "target"),
                         list(itertools.product(rules.STATUSES, rules.STATUSES)))
def test_status_machine_allows_exactly_the_table(ctx, source, target):
    case = factories.case(factories.law_firm(), active=False)
    db.session.execute(sa.update(Case).where(Case.id == case.id).values(status=source))
    db.session.refresh(case)
    if target in rules.TRANSITIONS[source]:
        services.transition(None, case, target)
        assert case.status == target
    else:
        with pytest.raises(Conflict) as refused:
            services.transition(None, case, target)
        assert refused.value.code == "invalid_transition"
    db.session.rollback()


def test_closed_cases_go_nowhere():
    assert rules.TRANSITIONS[rules.CLOSED] == frozenset()
    assert rules.TRANSITIONS[rules.CLOSED_NO_RECOVERY] == frozenset()


def test_lien_agreement_activates_case(api_as, intake_case):
    case_id, _ = intake_case
    billing = api_as("billing")
    response = billing.post(f"/api/v1/cases/{case_id}/lien-agreements", json=AGREEMENT)
    assert response.status_code == 201
    assert response.json["status"] == "active"
    assert response.json["non_recourse"] is True
    case = billing.get(f"/api/v1/cases/{case_id}").json
    assert case["status"] == "active"
    assert case["lien_agreement"]["id"] == response.json["id"]


def test_new_agreement_supersedes_the_old_one(api_as, intake_case):
    case_id, _ = intake_case
    billing = api_as("billing")
    first = billing.post(f"/api/v1/cases/{case_id}/lien-agreements", json=AGREEMENT).json
    second = billing.post(f"/api/v1/cases/{case_id}/lien-agreements", json=AGREEMENT).json
    assert billing.get(f"/api/v1/cases/{case_id}").json["lien_agreement"]["id"] == second["id"]
    assert first["id"] != second["id"]


def test_lien_agreement_requires_patient_signature_422(api_as, intake_case):
    case_id, _ = intake_case
    response = api_as("billing").post(f"/api/v1/cases/{case_id}/lien-agreements",
                                      json={**AGREEMENT, "patient_signed": False})
    assert response.status_code == 422
    assert "patient_signed" in response.json["errors"]


def test_lien_agreement_bad_sha256_and_future_date_422(api_as, intake_case):
    case_id, _ = intake_case
    billing = api_as("billing")
    bad_hash = billing.post(f"/api/v1/cases/{case_id}/lien-agreements",
                            json={**AGREEMENT, "document_sha256": "xyz"})
    assert "document_sha256" in bad_hash.json["errors"]
    future = billing.post(f"/api/v1/cases/{case_id}/lien-agreements",
                          json={**AGREEMENT, "signed_on": "2999-01-01"})
    assert "signed_on" in future.json["errors"]


def test_lien_agreement_is_billing_only(api_as, intake_case):
    case_id, _ = intake_case
    for role in ("pharmacist", "technician", "admin", "attorney"):
        response = api_as(role).post(f"/api/v1/cases/{case_id}/lien-agreements", json=AGREEMENT)
        assert response.status_code == 403


def test_lien_agreement_on_closed_case_is_invalid_transition(api_as, app, intake_case):
    case_id, _ = intake_case
    with app.app_context():
        db.session.execute(sa.update(Case).where(Case.id == case_id).values(status="closed"))
        db.session.commit()
    response = api_as("billing").post(f"/api/v1/cases/{case_id}/lien-agreements", json=AGREEMENT)
    assert response.status_code == 409
    assert response.json["code"] == "invalid_transition"


def test_unknown_case_404(api_as):
    response = api_as("billing").post("/api/v1/cases/999999/lien-agreements", json=AGREEMENT)
    assert response.status_code == 404


def test_external_treatment_recorded_never_charged(api_as, app, world):
    body = {"kind": "iv_ketamine_infusion", "started_on": "2026-09-01",
            "ended_on": "2026-09-05", "facility": "Midtown Infusion Center",
            "protocol": "0.5 mg/kg over 4 h, 5 days", "notes": "tolerated well"}
    response = api_as("pharmacist").post(
        f"/api/v1/cases/{world.case_id}/external-treatments", json=body)
    assert response.status_code == 201
    assert response.json["kind"] == "iv_ketamine_infusion"
    case = api_as("billing").get(f"/api/v1/cases/{world.case_id}").json
    assert case["external_treatments"][0]["facility"] == "Midtown Infusion Center"
    assert case["balance"] == "0.00"
    with app.app_context():
        assert db.session.query(JournalEntry).count() == 0


def test_external_treatment_ending_before_start_422(api_as, world):
    body = {"kind": "iv_ketamine_infusion", "started_on": "2026-09-05",
            "ended_on": "2026-09-01", "facility": "X"}
    response = api_as("billing").post(f"/api/v1/cases/{world.case_id}/external-treatments",
                                      json=body)
    assert response.status_code == 422
    assert "ended_on" in response.json["errors"]


def test_transfer_moves_case_and_old_firm_loses_access(api_as, app, world):
    with app.app_context():
        new_firm = factories.law_firm()
        new_attorney = factories.user("attorney", firm_id=new_firm.id)
        db.session.commit()
        new_firm_id, new_attorney_id = new_firm.id, new_attorney.id
    old = api_as("attorney", firm=world.firm_id)
    new = api_as("attorney", firm=new_firm_id)
    assert old.get(f"/api/v1/cases/{world.case_id}").status_code == 200
    response = api_as("billing").post(f"/api/v1/cases/{world.case_id}/transfer",
                                      json={"law_firm_id": new_firm_id,
                                            "attorney_user_id": new_attorney_id})
    assert response.status_code == 200
    assert response.json["law_firm_id"] == new_firm_id
    assert response.json["status"] == "intake"  # a new agreement is needed
    assert response.json["lien_agreement"] is None
    assert old.get(f"/api/v1/cases/{world.case_id}").status_code == 404
    assert new.get(f"/api/v1/cases/{world.case_id}").status_code == 200


def test_transfer_to_same_or_unknown_firm_422(api_as, world):
    billing = api_as("billing")
    same = billing.post(f"/api/v1/cases/{world.case_id}/transfer",
                        json={"law_firm_id": world.firm_id})
    unknown = billing.post(f"/api/v1/cases/{world.case_id}/transfer",
                           json={"law_firm_id": 999999})
    assert same.status_code == unknown.status_code == 422


def test_transfer_of_settled_case_is_invalid_transition(api_as, app, world):
    with app.app_context():
        db.session.execute(sa.update(Case).where(Case.id == world.case_id)
                           .values(status="settled"))
        firm = factories.law_firm()
        db.session.commit()
        firm_id = firm.id
    response = api_as("billing").post(f"/api/v1/cases/{world.case_id}/transfer",
                                      json={"law_firm_id": firm_id})
    assert response.status_code == 409
    assert response.json["code"] == "invalid_transition"


def test_hold_and_resume(api_as, world):
    billing = api_as("billing")
    held = billing.post(f"/api/v1/cases/{world.case_id}/hold", json={"reason": "client moved"})
    assert held.json["status"] == "on_hold"
    again = billing.post(f"/api/v1/cases/{world.case_id}/hold", json={"reason": "again"})
    assert again.status_code == 409
    resumed = billing.post(f"/api/v1/cases/{world.case_id}/resume")
    assert resumed.json["status"] == "active"
    assert billing.post(f"/api/v1/cases/{world.case_id}/resume").status_code == 409
