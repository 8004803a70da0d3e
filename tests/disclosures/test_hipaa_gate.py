"""SPEC §7.8: an attorney reads a case's PHI only while the client's HIPAA authorization naming
the attorney's firm is on file, unexpired and unrevoked; staff are never gated."""

from __future__ import annotations

from datetime import timedelta

import pytest

from lienrx.case_documents import services as case_documents
from lienrx.case_documents.queries import active_authorization
from lienrx.cases import access
from lienrx.cases import services as cases
from lienrx.core import clock
from lienrx.extensions import db
from tests import factories
from tests.case_documents.factories import authorization


def unauthorized_case(app, world, **fields):
    """A case of the world firm with no authorization on file."""
    with app.app_context():
        firm = db.session.get(factories.LawFirm, world.firm_id)
        case = factories.case(firm, authorized=False, **fields)
        db.session.commit()
        return case.id


def assert_authorization_required(response):
    assert response.status_code == 403, response.status_code
    assert response.content_type == "application/problem+json"
    assert response.json["code"] == "hipaa_authorization_required"
    assert "authorization" in response.json["detail"]


def test_attorney_without_authorization_gets_hipaa_authorization_required(api_as, app, world):
    case_id = unauthorized_case(app, world)
    counsel = api_as("attorney", firm=world.firm_id)
    response = counsel.get(f"/api/v1/cases/{case_id}")
    assert_authorization_required(response)
    assert "Rivera" not in response.get_data(as_text=True)


def test_attorney_with_authorization_reads_the_case(api_as, app, world):
    case_id = unauthorized_case(app, world)
    with app.app_context():
        authorization(case_id, world.firm_id)
        db.session.commit()
    response = api_as("attorney", firm=world.firm_id).get(f"/api/v1/cases/{case_id}")
    assert response.status_code == 200
    assert response.json["patient"]["last_name"].startswith("Rivera")


def test_staff_are_never_gated(api_as, app, world):
    case_id = unauthorized_case(app, world)
    for role in ("billing", "pharmacist", "technician"):
        assert api_as(role).get(f"/api/v1/cases/{case_id}").status_code == 200, role


def test_without_the_gate_installed_no_case_is_read(app, world, monkeypatch):
    monkeypatch.setattr(access, "_installed", [])
    with app.app_context(), pytest.raises(RuntimeError, match="no case read gate"):
        cases.get_case(factories.user("billing"), world.case_id)


def test_authorization_naming_another_firm_opens_nothing(api_as, app, world):
    case_id = unauthorized_case(app, world)
    with app.app_context():
        authorization(case_id, factories.law_firm().id)
        db.session.commit()
    assert_authorization_required(
        api_as("attorney", firm=world.firm_id).get(f"/api/v1/cases/{case_id}"))


def test_expired_authorization_closes_the_gate_after_its_last_day(api_as, app, world):
    case_id = unauthorized_case(app, world)
    last_day = clock.today() + timedelta(days=10)
    with app.app_context():
        authorization(case_id, world.firm_id, expires_on=last_day)
        db.session.commit()
    counsel = api_as("attorney", firm=world.firm_id)
    clock.freeze(clock.utcnow() + timedelta(days=10))
    assert clock.today() == last_day
    assert counsel.get(f"/api/v1/cases/{case_id}").status_code == 200
    clock.freeze(clock.utcnow() + timedelta(days=1))
    assert_authorization_required(counsel.get(f"/api/v1/cases/{case_id}"))


def test_revoked_authorization_closes_the_gate(api_as, app, world):
    counsel = api_as("attorney", firm=world.firm_id)
    assert counsel.get(f"/api/v1/cases/{world.case_id}").status_code == 200
    with app.app_context():
        found = active_authorization(world.case_id, world.firm_id, clock.today())
        case_documents.revoke(factories.user("billing"), found.id, "client revoked in writing")
        db.session.commit()
    assert_authorization_required(counsel.get(f"/api/v1/cases/{world.case_id}"))
    assert_authorization_required(counsel.get(f"/api/v1/cases/{world.case_id}/ledger"))


def test_substitution_of_counsel_needs_a_new_authorization(api_as, app, world):
    with app.app_context():
        new_firm = factories.law_firm()
        cases.transfer_case(None, world.case_id, law_firm_id=new_firm.id)
        db.session.commit()
        new_firm_id = new_firm.id
    new_counsel = api_as("attorney", firm=new_firm_id)
    # the old firm's authorization is still on file, but it names the old firm
    assert_authorization_required(new_counsel.get(f"/api/v1/cases/{world.case_id}"))
    with app.app_context():
        authorization(world.case_id, new_firm_id)
        db.session.commit()
    assert new_counsel.get(f"/api/v1/cases/{world.case_id}").status_code == 200
    # and the old firm no longer sees the case at all
    old_counsel = api_as("attorney", firm=world.firm_id)
    assert old_counsel.get(f"/api/v1/cases/{world.case_id}").status_code == 404


def test_case_list_shows_file_number_and_status_only_without_authorization(api_as, app, world):
    case_id = unauthorized_case(app, world, firm_file_number="NO-AUTH-7")
    listed = api_as("attorney", firm=world.firm_id).get("/api/v1/cases").json
    by_id = {item["id"]: item for item in listed}
    assert set(by_id) == {world.case_id, case_id}  # every case of the firm is listed
    assert by_id[case_id] == {"id": case_id, "firm_file_number": "NO-AUTH-7",
                              "status": "active"}
    assert by_id[world.case_id]["patient"]["last_name"].startswith("Rivera")
