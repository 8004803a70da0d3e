"""Case documents over the API (SPEC §7.8): upload, list, download, revoke."""

import hashlib
import io
from datetime import timedelta

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet

from lienrx.audit.models import AuditEvent
from lienrx.case_documents.models import CaseDocument, CaseDocumentContent
from lienrx.core import clock
from lienrx.extensions import db
from tests import factories
from tests.case_documents.factories import JPEG, PDF, PNG, authorization, large_upload, upload_body
from tests.conftest import TEST_KEYS

MB = 1024 * 1024


def _upload(client, case_id, content=PDF, **fields):
    fields.setdefault("kind", "medical_necessity")
    return client.post(f"/api/v1/cases/{case_id}/documents", data=upload_body(content, **fields))


def _stored(ctx_app):
    with ctx_app.app_context():
        return (db.session.scalar(sa.select(sa.func.count()).select_from(CaseDocument)),
                db.session.scalar(sa.select(sa.func.count()).select_from(CaseDocumentContent)))


def _actions(app, action):
    with app.app_context():
        return db.session.execute(sa.select(AuditEvent).where(AuditEvent.action == action)
                                  .order_by(AuditEvent.seq)).scalars().all()


@pytest.mark.parametrize(("content", "content_type"), [
    (PDF, "application/pdf"), (PNG, "image/png"), (JPEG, "image/jpeg")])
def test_upload_answers_201_with_sha256_size_and_type_told_by_content(api_as, world, content,
                                                                     content_type):
    response = _upload(api_as("billing"), world.case_id, content, filename="whatever.txt")
    assert response.status_code == 201, response.json
    body = response.json
    assert {k: body[k] for k in ("kind", "sha256", "size", "content_type")} == {
        "kind": "medical_necessity", "sha256": hashlib.sha256(content).hexdigest(),
        "size": len(content), "content_type": content_type}
    assert isinstance(body["id"], int)


def test_type_is_never_taken_from_the_filename_or_the_part_header(api_as, world):
    rph = api_as("pharmacist")
    html = b"<html><script>alert(1)</script></html>"
    response = rph.post(f"/api/v1/cases/{world.case_id}/documents", data={
        "kind": "other", "file": (io.BytesIO(html), "letter.pdf", "application/pdf")})
    assert response.status_code == 422
    assert response.json["errors"] == {"file": ["Upload a PDF, PNG or JPEG file."]}
    png_named_pdf = _upload(rph, world.case_id, PNG, filename="letter.pdf")
    assert png_named_pdf.json["content_type"] == "image/png"


def test_a_file_that_is_not_pdf_png_or_jpeg_is_refused_on_file_and_nothing_is_stored(
        app, api_as, world):
    billing = api_as("billing")
    for content in (b"GIF89a" + bytes(20), b"PK\x03\x04zip", b""):
        response = _upload(billing, world.case_id, content)
        assert response.status_code == 422
        assert response.mimetype == "application/problem+json"
        assert set(response.json["errors"]) == {"file"}
    missing = billing.post(f"/api/v1/cases/{world.case_id}/documents", data={"kind": "other"})
    assert missing.status_code == 422
    assert missing.json["errors"] == {"file": ["Choose the file to upload."]}
    assert _stored(app) == (0, 0)


def _large(client, case_id, content):
    return client.post(f"/api/v1/cases/{case_id}/documents",
                       **large_upload(content, kind="other"))


def test_a_file_over_10_mb_is_refused_413_and_nothing_is_stored(app, api_as, world):
    billing = api_as("billing")
    too_large = _large(billing, world.case_id, PDF + bytes(10 * MB + 1 - len(PDF)))
    assert too_large.status_code == 413
    assert too_large.mimetype == "application/problem+json"
    assert too_large.json["code"] == "payload_too_large"
    assert "10 MB" in too_large.json["detail"]
    assert set(too_large.json["errors"]) == {"file"}
    assert _stored(app) == (0, 0)
    exactly = _large(billing, world.case_id, PDF + bytes(10 * MB - len(PDF)))
    assert exactly.status_code == 201
    assert exactly.json["size"] == 10 * MB


def test_a_request_larger_than_the_server_accepts_is_a_413_problem(app, api_as, world):
    response = _large(api_as("billing"), world.case_id, PDF + bytes(11 * MB))
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"
    assert response.json["code"] == "payload_too_large"
    assert _stored(app) == (0, 0)


def test_a_json_body_above_the_old_5_mb_limit_is_refused_on_its_field_not_a_server_error(
        api_as, world):
    """The request limit rose for uploads; a JSON endpoint still answers a large body well."""
    rph = api_as("pharmacist")
    response = rph.post("/api/v1/patients", json={
        "first_name": "Lee", "last_name": "Park", "date_of_birth": "1970-01-02",
        "address": "x" * (6 * MB)})
    assert response.status_code == 422  # read and refused on its field, not a 413 or a 500
    assert "address" in response.json["errors"]


def test_a_hipaa_authorization_must_name_the_firm_it_authorizes(app, api_as, world):
    billing = api_as("billing")
    response = _upload(billing, world.case_id, kind="hipaa_authorization")
    assert response.status_code == 422
    assert set(response.json["errors"]) == {"law_firm_id"}
    unknown = _upload(billing, world.case_id, kind="hipaa_authorization", law_firm_id=999999)
    assert unknown.json["errors"] == {"law_firm_id": ["No such law firm."]}
    ok = _upload(billing, world.case_id, kind="hipaa_authorization", law_firm_id=world.firm_id,
                 expires_on=(clock.today() + timedelta(days=365)).isoformat())
    assert ok.status_code == 201
    assert ok.json["law_firm_id"] == world.firm_id
    assert _stored(app) == (1, 1)


@pytest.mark.parametrize(("fields", "bad"), [
    ({"kind": "x-ray"}, "kind"),
    ({"kind": "other", "expires_on": "someday"}, "expires_on"),
    ({"kind": "other", "expires_on": "2001-01-01"}, "expires_on"),
    ({"kind": "other", "law_firm_id": "abc"}, "law_firm_id"),
])
def test_bad_form_fields_are_refused_on_the_field(api_as, world, fields, bad):
    response = _upload(api_as("billing"), world.case_id, **fields)
    assert response.status_code == 422
    assert bad in response.json["errors"]


def test_only_billing_and_pharmacists_upload(api_as, world):
    assert _upload(api_as("technician"), world.case_id).status_code == 403
    assert _upload(api_as("attorney", firm=world.firm_id), world.case_id).status_code == 403
    assert _upload(api_as("billing"), 999999).status_code == 404


def test_the_file_is_encrypted_at_rest_with_the_phi_data_keys(app, api_as, world):
    marker = b"Jordan Rivera DOB 1985-03-14"
    content = PDF + marker
    assert _upload(api_as("billing"), world.case_id, content).status_code == 201
    with app.app_context():
        raw = bytes(db.session.execute(
            sa.text("SELECT content FROM case_document_contents")).scalar_one())
    assert marker not in raw and b"%PDF" not in raw
    assert Fernet(TEST_KEYS["LIENRX_DATA_KEYS"].encode()).decrypt(raw) == content


def test_list_carries_no_content_and_download_is_the_file_as_an_attachment(app, api_as, world):
    billing = api_as("billing")
    uploaded = _upload(billing, world.case_id, PNG).json
    listed = billing.get(f"/api/v1/cases/{world.case_id}/documents")
    assert listed.status_code == 200
    (item,) = listed.json
    assert item["id"] == uploaded["id"] and "content" not in item
    assert item["uploaded_by_user_id"] == billing.user_id
    download = billing.get(f"/api/v1/documents/{uploaded['id']}/content")
    assert download.status_code == 200
    assert download.data == PNG
    assert download.mimetype == "image/png"
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and disposition.endswith('.png"')


def test_every_download_records_an_audit_event(app, api_as, world):
    rph = api_as("pharmacist")
    document_id = _upload(rph, world.case_id).json["id"]
    for _ in range(2):
        assert rph.get(f"/api/v1/documents/{document_id}/content").status_code == 200
    reads = _actions(app, "case_document.read")
    assert [(e.entity_id, e.actor_user_id) for e in reads] == [(str(document_id), rph.user_id)] * 2
    assert reads[0].details["case_id"] == world.case_id
    assert _actions(app, "case_document.uploaded")[0].details["sha256"] == hashlib.sha256(
        PDF).hexdigest()
    rph.get(f"/api/v1/cases/{world.case_id}/documents")
    assert len(_actions(app, "case_document.listed")) == 1


def test_attorneys_read_their_own_firms_documents_and_get_404_for_another_firms(
        app, api_as, world):
    document_id = _upload(api_as("billing"), world.case_id).json["id"]
    own = api_as("attorney", firm=world.firm_id)
    with app.app_context():
        authorized_by = authorization(world.case_id, world.firm_id).id
        db.session.commit()
    listed = own.get(f"/api/v1/cases/{world.case_id}/documents")
    assert listed.status_code == 200
    assert [d["id"] for d in listed.json] == [authorized_by, document_id]
    assert "uploaded_by_user_id" not in listed.json[0]
    assert own.get(f"/api/v1/documents/{document_id}/content").data == PDF
    other = api_as("attorney")  # a new firm
    assert other.get(f"/api/v1/cases/{world.case_id}/documents").status_code == 404
    refused = other.get(f"/api/v1/documents/{document_id}/content")
    assert refused.status_code == 404
    assert refused.json["code"] == "not_found"
    assert api_as("technician").get(
        f"/api/v1/documents/{document_id}/content").status_code == 403
    assert api_as("billing").get("/api/v1/documents/999999/content").status_code == 404


def test_a_substituted_firm_loses_the_documents_of_the_case(app, api_as, world):
    document_id = _upload(api_as("billing"), world.case_id).json["id"]
    with app.app_context():
        new_firm = factories.law_firm()
        db.session.commit()
    moved = api_as("billing").post(f"/api/v1/cases/{world.case_id}/transfer",
                                   json={"law_firm_id": new_firm.id})
    assert moved.status_code == 200
    old = api_as("attorney", firm=world.firm_id)
    assert old.get(f"/api/v1/documents/{document_id}/content").status_code == 404


def test_a_hipaa_authorization_is_revoked_once_with_a_reason(app, api_as, world):
    billing = api_as("billing")
    document_id = _upload(billing, world.case_id, kind="hipaa_authorization",
                          law_firm_id=world.firm_id).json["id"]
    path = f"/api/v1/documents/{document_id}/revoke"
    assert billing.post(path, json={}).json["errors"] == {
        "reason": ["This field is required."]}
    response = billing.post(path, json={"reason": "Patient revoked in writing"})
    assert response.status_code == 200
    assert response.json["revoked_at"] is not None
    assert response.json["revocation_reason"] == "Patient revoked in writing"
    again = billing.post(path, json={"reason": "twice"})
    assert (again.status_code, again.json["code"]) == (409, "already_revoked")
    assert len(_actions(app, "case_document.revoked")) == 1


def test_only_an_authorization_can_be_revoked_and_only_by_staff_who_upload(api_as, world):
    billing = api_as("billing")
    letter = _upload(billing, world.case_id).json["id"]
    refused = billing.post(f"/api/v1/documents/{letter}/revoke", json={"reason": "x"})
    assert (refused.status_code, refused.json["code"]) == (409, "invalid_transition")
    authorization = _upload(billing, world.case_id, kind="hipaa_authorization",
                            law_firm_id=world.firm_id).json["id"]
    attorney = api_as("attorney", firm=world.firm_id)
    assert attorney.post(f"/api/v1/documents/{authorization}/revoke",
                         json={"reason": "x"}).status_code == 403
