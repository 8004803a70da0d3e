"""Request and response shapes for case documents."""

from __future__ import annotations

from marshmallow import fields, validate

from lienrx.case_documents import rules
from lienrx.cases.schemas import LienAgreementCreateSchema
from lienrx.core.schemas import BoundedDate, DumpSchema, Id, LoadSchema, TrimmedString


class CaseDocumentUploadSchema(LoadSchema):
    """The form fields sent with the file (multipart/form-data)."""

    file = fields.Raw(load_default=None, load_only=True, metadata={
        "label": "File", "type": "string", "format": "binary",
        "description": "The document: a PDF, PNG or JPEG file of at most 10 MB."})
    kind = fields.String(required=True, validate=validate.OneOf(rules.KINDS),
                         metadata={"label": "Kind"})
    law_firm_id = Id(strict=False, load_default=None, allow_none=True, metadata={
        "label": "Law firm named",
        "description": "The firm a HIPAA authorization names (required for that kind)."})
    expires_on = BoundedDate("expiry", load_default=None, allow_none=True, metadata={
        "label": "Expires on", "description": "The last day the document holds."})


class RevocationSchema(LoadSchema):
    reason = TrimmedString(required=True, validate=validate.Length(min=1, max=500),
                           metadata={"label": "Reason"})


class AttorneyCaseDocumentSchema(DumpSchema):
    """A document as an attorney sees it listed (no staff user ids)."""

    id = fields.Integer()
    case_id = fields.Integer()
    kind = fields.String()
    sha256 = fields.String()
    size = fields.Integer()
    content_type = fields.String()
    law_firm_id = fields.Integer(allow_none=True)
    expires_on = fields.Date(allow_none=True)
    uploaded_at = fields.DateTime()
    revoked_at = fields.DateTime(allow_none=True)


class CaseDocumentSchema(AttorneyCaseDocumentSchema):
    """A document as staff see it: who uploaded it, who revoked it and why."""

    uploaded_by_user_id = fields.Integer(allow_none=True)
    revoked_by_user_id = fields.Integer(allow_none=True)
    revocation_reason = fields.String(allow_none=True)


class LienAgreementWithDocumentSchema(LienAgreementCreateSchema):
    """The lien agreement's body; ``document_id`` may name its uploaded signed copy."""

    document_id = Id(load_default=None, allow_none=True, metadata={
        "description": "An uploaded `lien_agreement` document of the case: its SHA-256 is "
                       "recorded as `document_sha256`."})


class SignedAgreementFormSchema(LienAgreementCreateSchema):
    """The staff page's lien-agreement form: the signed file instead of a pasted hash."""

    file = fields.Raw(load_default=None, load_only=True,
                      metadata={"label": "Signed agreement (PDF or image)"})
