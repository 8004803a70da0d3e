"""Attestations API: sign a case's POGOS, read and render it, publish keys, verify documents."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import Response, request
from flask_login import current_user
from werkzeug.exceptions import BadRequest

from lienrx.attestations import certificate, html, keys, pdf, services, verification
from lienrx.attestations.layout import seal_for
from lienrx.attestations.schemas import (
    AttestationCreateSchema,
    AttestationKeySchema,
    AttestationSchema,
    AttestationSummarySchema,
    VerifyResultSchema,
    VerifySchema,
)
from lienrx.core.api import ApiBlueprint, paged
from lienrx.core.errors import ValidationFailed
from lienrx.core.security import ATTORNEY, BILLING, PHARMACIST, require_roles

blp = ApiBlueprint("attestations_api", __name__,
                   description="POGOS attestations: signed case reports and their keys")

READERS = (PHARMACIST, BILLING, ATTORNEY)
_BINARY = {"schema": {"type": "string", "format": "binary"}}


def _file(body: bytes, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@blp.route("/cases/<int:case_id>/attestations", methods=["POST"])
@require_roles(PHARMACIST)
@blp.arguments(AttestationCreateSchema)
@blp.response(201, AttestationSchema)
def issue_attestation(body: dict[str, Any], case_id: int) -> Any:
    """Sign the case's POGOS as the next version; it supersedes the previous one."""
    attestation = services.issue_attestation(current_user, case_id, narrative=body["narrative"])
    return services.view(attestation)


@blp.route("/cases/<int:case_id>/attestations", methods=["GET"])
@require_roles(*READERS)
@blp.response(200, AttestationSummarySchema(many=True))
@blp.paginate()
def list_attestations(case_id: int, pagination_parameters: Any) -> Any:
    """Every version of the case's attestation, newest first, a page at a time."""
    found = services.list_attestations(current_user, case_id, page=pagination_parameters.page,
                                       page_size=pagination_parameters.page_size)
    return paged(found, pagination_parameters)


@blp.route("/attestations/<int:attestation_id>", methods=["GET"])
@require_roles(*READERS)
@blp.response(200, AttestationSchema)
def get_attestation(attestation_id: int) -> Any:
    """One attestation version with its signed document (a PHI read: audited)."""
    attestation = services.get_attestation(current_user, attestation_id)
    return services.view(attestation)


@blp.route("/attestations/<int:attestation_id>.html", methods=["GET"])
@require_roles(*READERS)
@blp.response(200, content_type="text/html")
@blp.doc(responses={"200": {"description": "The print-ready report.",
                            "content": {"text/html": {"schema": {"type": "string"}}}}})
def attestation_html(attestation_id: int) -> Any:
    """The attestation as a print-ready HTML page."""
    attestation = services.get_attestation(current_user, attestation_id, purpose="rendered")
    page, policy = html.render_attestation(attestation.document, seal_for(attestation))
    response = Response(page, mimetype="text/html")
    response.headers["Content-Security-Policy"] = policy
    return response


@blp.route("/attestations/<int:attestation_id>.pdf", methods=["GET"])
@require_roles(*READERS)
@blp.response(200, content_type="application/pdf")
@blp.doc(responses={"200": {"description": "The report as a PDF.",
                            "content": {"application/pdf": _BINARY}}})
def attestation_pdf(attestation_id: int) -> Any:
    """The attestation as a PDF exhibit."""
    attestation = services.get_attestation(current_user, attestation_id, purpose="rendered")
    body = pdf.render_attestation(attestation.document, seal_for(attestation))
    return _file(body, "application/pdf",
                 f"pogos-case-{attestation.case_id}-v{attestation.version}.pdf")


@blp.route("/cases/<int:case_id>/custodian-certificate.pdf", methods=["GET"])
@require_roles(*READERS)
@blp.response(200, content_type="application/pdf")
@blp.doc(responses={"200": {"description": "The certificate as a PDF.",
                            "content": {"application/pdf": _BINARY}}})
def custodian_certificate(case_id: int) -> Any:
    """A records-custodian certificate (FRE 902(11) style) for the case's dispense log."""
    facts = services.custodian_certificate(current_user, case_id)
    body = certificate.render_custodian_certificate(facts)
    return _file(body, "application/pdf", f"custodian-certificate-case-{case_id}.pdf")


@blp.route("/attestation-keys", methods=["GET"])
@blp.doc(security=[])
@blp.response(200, AttestationKeySchema(many=True))
def list_keys() -> Any:
    """The public keys attestations are signed with: the current one and every retired one."""
    found = keys.list_keys()
    return found


_VERIFY_BODY = {"required": True, "content": {
    "application/json": {"schema": VerifySchema},
    "multipart/form-data": {"schema": {
        "type": "object", "required": ["file"],
        "properties": {"file": {"type": "string", "format": "binary",
                                "description": "The POGOS PDF, or its signed JSON."}}}}}}


def _submitted() -> dict[str, Any]:
    """The attestation to verify: an uploaded PDF or JSON file, or the JSON body."""
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None:
            raise ValidationFailed({"file": ["Choose the POGOS PDF or its JSON file."]})
        return verification.read_upload(upload.read())
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadRequest()
    try:
        return dict(VerifySchema().load(body))
    except ma.ValidationError as error:
        raise ValidationFailed(error.normalized_messages()) from None


@blp.route("/attestations/verify", methods=["POST"])
@blp.doc(security=[], requestBody=_VERIFY_BODY)
@blp.response(200, VerifyResultSchema)
def verify_document() -> Any:
    """Whether a POGOS is signed by a published key, whether that key is retired, and whether
    the version is current or superseded (JSON body, or an uploaded PDF or JSON file)."""
    return verification.verify_saved(_submitted())
