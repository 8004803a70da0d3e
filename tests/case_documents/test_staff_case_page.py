"""The staff case page: the documents panel, its upload form, and the lien agreement's file."""

import hashlib
import io
import re

import pytest
import sqlalchemy as sa

from lienrx.audit.models import AuditEvent
from lienrx.case_documents import services
from lienrx.case_documents.models import CaseDocument
from lienrx.core import clock
from lienrx.extensions import db
from tests import factories
from tests.case_documents.factories import PDF, PNG
from tests.staff.conftest import sign_in, text


@pytest.fixture
def staff(app):
    return lambda role: sign_in(app, role)


def error_of(response, field):
    """The message shown next to ``field`` (its id is f-<field>-error)."""
    found = re.search(rf'id="f-{field}-error">([^<]+)<', response.get_data(as_text=True))
    return found.group(1) if found else None


def _documents(app):
    with app.app_context():
        return db.session.execute(sa.select(CaseDocument)).scalars().all()


def test_the_documents_panel_lists_each_document_with_a_download_link(app, staff, world):
    desk = staff("billing")
    r = desk.post(f"/staff/cases/{world.case_id}/documents", data={
        "doc-file": (io.BytesIO(PNG), "authorization.png"), "doc-kind": "hipaa_authorization",
        "doc-law_firm_id": str(world.firm_id), "doc-expires_on": "2030-12-31"})
    assert r.status_code == 302, text(r)
    (document,) = _documents(app)
    page = desk.get(f"/staff/cases/{world.case_id}")
    panel = text(page).split("Documents", 1)[1]
    assert "HIPAA authorization" in panel and "2030-12-31" in panel
    with app.app_context():
        firm_name = db.session.get(factories.LawFirm, world.firm_id).name
    assert firm_name in panel and " kB" in panel
    link = f"/staff/documents/{document.id}"
    assert link in page.get_data(as_text=True)
    download = desk.get(link)
    assert download.data == PNG and download.mimetype == "image/png"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    with app.app_context():
        assert db.session.execute(sa.select(AuditEvent).where(
            AuditEvent.action == "case_document.read")).scalar_one().entity_id == str(document.id)


def test_upload_errors_are_shown_next_to_the_fields_by_label(app, staff, world):
    desk = staff("pharmacist")
    r = desk.post(f"/staff/cases/{world.case_id}/documents", data={
        "doc-file": (io.BytesIO(b"not a scan"), "scan.pdf"), "doc-kind": "hipaa_authorization"})
    assert r.status_code == 422
    assert error_of(r, "doc-file") == "Upload a PDF, PNG or JPEG file."
    r = desk.post(f"/staff/cases/{world.case_id}/documents", data={
        "doc-file": (io.BytesIO(PDF), "scan.pdf"), "doc-kind": "hipaa_authorization"})
    assert r.status_code == 422
    assert error_of(r, "doc-law_firm_id").startswith("Name the law firm")
    assert "Law firm named: Name the law firm" in text(r)
    r = desk.post(f"/staff/cases/{world.case_id}/documents", data={"doc-kind": ""})
    assert error_of(r, "doc-file") == "Choose the file to upload."
    assert error_of(r, "doc-kind") == "This field is required."
    assert _documents(app) == []


def test_technicians_see_no_documents_and_cannot_upload_or_download(app, staff, world):
    with app.app_context():
        document = services.upload(None, world.case_id, file=PDF, kind="other")
        db.session.commit()
    tech = staff("technician")
    assert "Add a document" not in text(tech.get(f"/staff/cases/{world.case_id}"))
    assert tech.get(f"/staff/documents/{document.id}").status_code == 403
    assert tech.post(f"/staff/cases/{world.case_id}/documents", data={
        "doc-file": (io.BytesIO(PDF), "a.pdf"), "doc-kind": "other"}).status_code == 403


def test_the_lien_agreement_form_takes_the_signed_file_and_records_its_sha256(app, staff):
    with app.app_context():
        case = factories.case(factories.law_firm(), active=False, authorized=False)
        db.session.commit()
        case_id, firm_id = case.id, case.law_firm_id
    desk = staff("billing")
    form = desk.get(f"/staff/cases/{case_id}").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in form and "Document SHA-256" not in form
    r = desk.post(f"/staff/cases/{case_id}/lien-agreement", data={
        "signed_on": clock.today().isoformat(), "patient_signed": "on", "non_recourse": "on",
        "file": (io.BytesIO(PDF), "signed.pdf")})
    assert r.status_code == 302, text(r)
    (document,) = _documents(app)
    assert (document.kind, document.case_id, document.law_firm_id) == (
        "lien_agreement", case_id, firm_id)
    page = desk.get(f"/staff/cases/{case_id}")
    assert hashlib.sha256(PDF).hexdigest() in text(page)
    assert "active" in text(page)


def test_a_refused_agreement_keeps_no_file_and_shows_the_error_by_its_label(app, staff):
    with app.app_context():
        case = factories.case(factories.law_firm(), active=False, authorized=False)
        db.session.commit()
        case_id = case.id
    desk = staff("billing")
    r = desk.post(f"/staff/cases/{case_id}/lien-agreement", data={
        "signed_on": clock.today().isoformat(), "patient_signed": "on",
        "file": (io.BytesIO(b"GIF89a"), "signed.gif")})
    assert r.status_code == 422
    assert error_of(r, "file") == "Upload a PDF, PNG or JPEG file."
    assert "Signed agreement (PDF or image): Upload a PDF" in text(r)
    r = desk.post(f"/staff/cases/{case_id}/lien-agreement", data={
        "signed_on": clock.today().isoformat(), "file": (io.BytesIO(PDF), "signed.pdf")})
    assert error_of(r, "patient_signed") == "The patient must sign the lien agreement."
    assert _documents(app) == []
