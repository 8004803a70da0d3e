"""The lien agreement and its signed file: the JSON body as before, or an uploaded document."""

import hashlib

import pytest

from lienrx.extensions import db
from tests import factories
from tests.case_documents.factories import PDF, upload_body


@pytest.fixture
def intake_case(app):
    with app.app_context():
        case = factories.case(factories.law_firm(), active=False)
        db.session.commit()
        return case.id


def test_the_agreement_still_takes_its_json_body_with_a_pasted_hash(api_as, intake_case):
    sha = "ab" * 32
    response = api_as("billing").post(f"/api/v1/cases/{intake_case}/lien-agreements", json={
        "signed_on": "2026-01-02", "patient_signed": True, "document_sha256": sha})
    assert response.status_code == 201, response.json
    assert response.json["document_sha256"] == sha
    assert response.json["status"] == "active"


def test_the_agreement_may_name_its_uploaded_signed_copy_whose_sha256_is_recorded(
        api_as, intake_case):
    billing = api_as("billing")
    uploaded = billing.post(f"/api/v1/cases/{intake_case}/documents",
                            data=upload_body(PDF, kind="lien_agreement")).json
    response = billing.post(f"/api/v1/cases/{intake_case}/lien-agreements", json={
        "signed_on": "2026-01-02", "patient_signed": True, "document_id": uploaded["id"]})
    assert response.status_code == 201, response.json
    assert response.json["document_sha256"] == hashlib.sha256(PDF).hexdigest()


def test_the_named_document_must_be_a_signed_agreement_of_this_case(api_as, world, intake_case):
    billing = api_as("billing")
    letter = billing.post(f"/api/v1/cases/{intake_case}/documents",
                          data=upload_body(PDF, kind="medical_necessity")).json["id"]
    elsewhere = billing.post(f"/api/v1/cases/{world.case_id}/documents",
                             data=upload_body(PDF, kind="lien_agreement")).json["id"]
    for document_id in (letter, elsewhere, 999999):
        response = billing.post(f"/api/v1/cases/{intake_case}/lien-agreements", json={
            "signed_on": "2026-01-02", "patient_signed": True, "document_id": document_id})
        assert response.status_code == 422
        assert set(response.json["errors"]) == {"document_id"}


def test_a_pasted_hash_that_is_not_the_named_documents_is_refused(api_as, intake_case):
    billing = api_as("billing")
    uploaded = billing.post(f"/api/v1/cases/{intake_case}/documents",
                            data=upload_body(PDF, kind="lien_agreement")).json
    response = billing.post(f"/api/v1/cases/{intake_case}/lien-agreements", json={
        "signed_on": "2026-01-02", "patient_signed": True, "document_id": uploaded["id"],
        "document_sha256": "cd" * 32})
    assert response.status_code == 422
    assert set(response.json["errors"]) == {"document_sha256"}
