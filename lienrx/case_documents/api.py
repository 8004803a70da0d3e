"""Case documents API: upload a file to a case, list a case's documents, download one,
revoke a HIPAA authorization."""

from __future__ import annotations

from typing import Any

from flask import Response, request
from flask_login import current_user

from lienrx.case_documents import services
from lienrx.case_documents.schemas import (
    AttorneyCaseDocumentSchema,
    CaseDocumentSchema,
    CaseDocumentUploadSchema,
    RevocationSchema,
)
from lienrx.core.api import ApiBlueprint
from lienrx.core.security import ATTORNEY, BILLING, PHARMACIST, require_roles

blp = ApiBlueprint("case_documents_api", __name__,
                   description="Documents kept on a case: agreements, HIPAA authorizations")

_FILE = {"type": "string", "format": "binary"}


def uploaded_file() -> bytes | None:
    """The bytes of the uploaded `file`, or None when no file was sent."""
    upload = request.files.get("file")
    return upload.read() if upload is not None and upload.filename else None


@blp.route("/cases/<int:case_id>/documents", methods=["POST"])
@require_roles(BILLING, PHARMACIST)
@blp.arguments(CaseDocumentUploadSchema, location="form", content_type="multipart/form-data")
@blp.response(201, CaseDocumentSchema)
def upload_document(form: dict[str, Any], case_id: int) -> Any:
    """Keep a PDF, PNG or JPEG (≤ 10 MB) on the case; its type is told by its content."""
    form["file"] = uploaded_file()  # from the file part, never from a text field
    return services.upload(current_user, case_id, **form)


@blp.route("/cases/<int:case_id>/documents", methods=["GET"])
@require_roles(PHARMACIST, BILLING, ATTORNEY)
@blp.role_response(200, CaseDocumentSchema(many=True),
                   attorney=AttorneyCaseDocumentSchema(many=True))
def list_documents(case_id: int) -> Any:
    """The case's documents, newest first, without their files (audited)."""
    return services.list_documents(current_user, case_id)


@blp.route("/documents/<int:document_id>/content", methods=["GET"])
@require_roles(PHARMACIST, BILLING, ATTORNEY)
@blp.response(200, content_type="application/octet-stream")
@blp.doc(responses={"200": {"description": "The file, in the type told from its content.",
                            "content": {t: {"schema": _FILE} for t in
                                        ("application/pdf", "image/png", "image/jpeg")}}})
def document_content(document_id: int) -> Any:
    """The document's file, as an attachment (a PHI read: every download is audited)."""
    document, content = services.read_content(current_user, document_id)
    return Response(content, mimetype=document.content_type, headers={
        "Content-Disposition": f'attachment; filename="{services.file_name(document)}"'})


@blp.route("/documents/<int:document_id>/revoke", methods=["POST"])
@require_roles(BILLING, PHARMACIST)
@blp.arguments(RevocationSchema)
@blp.response(200, CaseDocumentSchema)
def revoke_document(body: dict[str, Any], document_id: int) -> Any:
    """Record the patient's revocation of a HIPAA authorization; it authorizes nothing more."""
    return services.revoke(current_user, document_id, body["reason"])
