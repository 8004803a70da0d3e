"""Cases: opening, reading, scoping by firm, diagnoses."""

import pytest

from lienrx.extensions import db
from tests import factories
from tests.sql import sent


@pytest.fixture
def firm_and_patient(app):
    with app.app_context():
        firm, patient = factories.law_firm(), factories.patient()
        db.session.commit()
        return firm.id, patient.id


def case_body(firm, patient, **overrides):
    return {"patient_id": patient, "law_firm_id": firm, "firm_file_number": "F-1",
            "date_of_injury": "2026-05-01", "injury_mechanism": "motor_vehicle",
            "mechanism_narrative": "Rear-ended at a light.", "jurisdiction": "TN",
            "diagnoses": [{"icd10": "G90.511", "laterality": "right", "source": "consult"}],
            **overrides}


def test_open_case_starts_in_intake_with_zero_balance(api_as, firm_and_patient):
    response = api_as("billing").post("/api/v1/cases", json=case_body(*firm_and_patient))
    assert response.status_code == 201
    body = response.json
    assert body["status"] == "intake"
    assert body["balance"] == "0.00"
    assert body["diagnoses"][0] == {"icd10": "G90.511", "laterality": "right",
                                    "source": "consult", "crps_type": "I"}
    assert body["lien_agreement"] is None


def test_pharmacist_may_open_cases_technician_may_not(api_as, firm_and_patient):
    assert api_as("pharmacist").post("/api/v1/cases",
                                     json=case_body(*firm_and_patient)).status_code == 201
    assert api_as("technician").post("/api/v1/cases",
                                     json=case_body(*firm_and_patient)).status_code == 403


def test_icd10_codes_are_normalised(api_as, firm_and_patient):
    body = case_body(*firm_and_patient, diagnoses=[{"icd10": "g90511"}, {"icd10": "s62101a"}])
    response = api_as("billing").post("/api/v1/cases", json=body)
    assert [d["icd10"] for d in response.json["diagnoses"]] == ["G90.511", "S62.101A"]


@pytest.mark.parametrize("code", ["XYZ", "G9", "12.345", "G90.5", "G56.4", "G90.514"])
def test_icd10_format_and_crps_header_codes_refused_422(api_as, firm_and_patient, code):
    body = case_body(*firm_and_patient, diagnoses=[{"icd10": code}])
    response = api_as("billing").post("/api/v1/cases", json=body)
    assert response.status_code == 422
    assert "diagnoses" in response.json["errors"]


@pytest.mark.parametrize(("crps1", "crps2"), [
    ("G90.511", "G56.41"),   # right upper limb twice
    ("G90.522", "G57.72"),   # left lower limb twice
    ("G90.513", "G56.42"),   # bilateral upper covers the left upper limb
    ("G90.529", "G57.71"),   # unspecified lower side may be the right
])
def test_crps_i_and_ii_same_limb_refused(api_as, firm_and_patient, crps1, crps2):
    body = case_body(*firm_and_patient, diagnoses=[{"icd10": crps1}, {"icd10": crps2}])
    response = api_as("billing").post("/api/v1/cases", json=body)
    assert response.status_code == 422
    assert "same limb" in response.json["errors"]["diagnoses"][0]


def test_crps_i_and_ii_on_different_limbs_allowed(api_as, firm_and_patient):
    body = case_body(*firm_and_patient, diagnoses=[{"icd10": "G90.511"}, {"icd10": "G57.72"}])
    assert api_as("billing").post("/api/v1/cases", json=body).status_code == 201


def test_duplicate_diagnosis_refused(api_as, firm_and_patient):
    body = case_body(*firm_and_patient, diagnoses=[{"icd10": "G90.511"}, {"icd10": "g90511"}])
    assert api_as("billing").post("/api/v1/cases", json=body).status_code == 422


@pytest.mark.parametrize(("field", "value"), [
    ("injury_mechanism", "meteor"), ("jurisdiction", "XX"), ("date_of_injury", "2999-01-01"),
    ("patient_id", 999999), ("law_firm_id", 999999), ("diagnoses", []),
])
def test_case_field_validation_422(api_as, firm_and_patient, field, value):
    response = api_as("billing").post("/api/v1/cases",
                                      json=case_body(*firm_and_patient, **{field: value}))
    assert response.status_code == 422
    assert field in response.json["errors"]


def test_attorney_of_another_firm_cannot_be_attorney_of_record_422(api_as, app, firm_and_patient):
    with app.app_context():
        stranger = factories.user("attorney")
        db.session.commit()
        stranger_id = stranger.id
    response = api_as("billing").post(
        "/api/v1/cases", json=case_body(*firm_and_patient, attorney_user_id=stranger_id))
    assert response.status_code == 422
    assert "attorney_user_id" in response.json["errors"]


def test_attorney_lists_only_own_firm_cases(api_as, app, world):
    with app.app_context():
        factories.case(factories.law_firm())
        db.session.commit()
    attorney = api_as("attorney", firm=world.firm_id)
    cases = attorney.get("/api/v1/cases").json
    assert [c["id"] for c in cases] == [world.case_id]
    assert len(api_as("billing").get("/api/v1/cases").json) == 2


def test_attorney_gets_404_for_another_firms_case(api_as, world):
    outsider = api_as("attorney")
    response = outsider.get(f"/api/v1/cases/{world.case_id}")
    assert response.status_code == 404
    assert response.json["code"] == "not_found"


def test_attorney_reads_own_case_with_client_and_balance(api_as, world):
    body = api_as("attorney", firm=world.firm_id).get(f"/api/v1/cases/{world.case_id}").json
    assert body["status"] == "active"
    assert body["balance"] == "0.00"
    assert body["patient"]["first_name"] == "Jordan"


def test_admin_has_no_case_access_403(api_as, world):
    assert api_as("admin").get(f"/api/v1/cases/{world.case_id}").status_code == 403


def test_case_list_filters_by_status_and_paginates(api_as, app, world):
    with app.app_context():
        firm = factories.law_firm()
        for _ in range(3):
            factories.case(firm, active=False)
        db.session.commit()
    billing = api_as("billing")
    assert len(billing.get("/api/v1/cases?status=intake").json) == 3
    assert len(billing.get("/api/v1/cases?status=active").json) == 1
    assert len(billing.get("/api/v1/cases?page=1&page_size=2").json) == 2
    assert len(billing.get("/api/v1/cases?page=2&page_size=2").json) == 2
    assert billing.get("/api/v1/cases?page_size=501").status_code == 422
    assert billing.get("/api/v1/cases?status=bogus").status_code == 422


def test_case_reads_are_audited(api_as, app, world):
    from lienrx.audit.models import AuditEvent
    billing = api_as("billing")
    billing.get(f"/api/v1/cases/{world.case_id}")
    with app.app_context():
        actions = [e.action for e in db.session.query(AuditEvent).filter_by(
            actor_user_id=billing.user_id)]
    assert "case.read" in actions


def test_case_list_query_count_does_not_grow_with_the_page(api_as, app):
    billing = api_as("billing")

    def list_cases():
        assert billing.get("/api/v1/cases").status_code == 200

    def statements_for_list():
        with app.app_context():
            engine = db.engine
        return len(sent(list_cases, engine))

    with app.app_context():
        firm = factories.law_firm()
        factories.case(firm)
        factories.case(firm)
        db.session.commit()
    few = statements_for_list()
    with app.app_context():
        for _ in range(4):
            factories.case(firm, diagnoses=[{"icd10": "G90.511"}, {"icd10": "S62.101A"}])
        db.session.commit()
    assert statements_for_list() == few
