"""Request and response shapes for attestations, their keys and verification."""

from __future__ import annotations

from marshmallow import fields, validate

from lienrx.auth.schemas import ReauthenticationSchema
from lienrx.core.schemas import DumpSchema, LoadSchema, TrimmedString


class AttestationCreateSchema(LoadSchema):
    narrative = TrimmedString(load_default=None, allow_none=True,
                              validate=validate.Length(max=20000),
                              metadata={"label": "Clinical narrative"})


class AttestationSignFormSchema(AttestationCreateSchema, ReauthenticationSchema):
    """The staff page's sign form: the narrative, and the pharmacist's password (and code,
    when enrolled) asked again, so the signature means a person acted. Over the API the
    bearer token, issued against the same credentials, is the credential."""


class SignerSchema(DumpSchema):
    name = fields.String()
    license_number = fields.String(allow_none=True)


class AttestationSchema(DumpSchema):
    id = fields.Integer()
    case_id = fields.Integer()
    version = fields.Integer()
    issued_at = fields.DateTime()
    document = fields.Dict(metadata={"description": "The signed POGOS document."})
    sha256 = fields.String()
    signature = fields.String(metadata={"description": "Base64 Ed25519 signature."})
    key_id = fields.String()
    signed_by = fields.Nested(SignerSchema)
    supersedes_id = fields.Integer(allow_none=True)
    superseded_by_id = fields.Integer(allow_none=True)


class AttestationSummarySchema(DumpSchema):
    id = fields.Integer()
    case_id = fields.Integer()
    version = fields.Integer()
    issued_at = fields.DateTime()
    sha256 = fields.String()
    key_id = fields.String()
    signed_by = fields.Nested(SignerSchema)
    supersedes_id = fields.Integer(allow_none=True)


class AttestationKeySchema(DumpSchema):
    key_id = fields.String()
    algorithm = fields.String()
    public_key = fields.String(metadata={"description": "Base64 of the raw 32-byte key."})
    status = fields.String(metadata={"description": "`current` or `retired`."})
    first_used_at = fields.DateTime()
    retired_at = fields.DateTime(allow_none=True)


class VerifySchema(LoadSchema):
    document = fields.Dict(required=True)
    signature = fields.String(required=True, validate=validate.Length(max=200))
    key_id = fields.String(required=True, validate=validate.Length(max=100))
    sha256 = fields.String(validate=validate.Length(equal=64),
                           metadata={"description": "When given, it must match the document."})


class VerifyPageSchema(LoadSchema):
    """The `/verify` page's two ways in; it names the fields in its messages."""

    file = fields.Raw(metadata={"label": "POGOS PDF or JSON file"})
    pasted = fields.String(metadata={"label": "Signed JSON"})


class VerifyResultSchema(DumpSchema):
    valid = fields.Boolean()
    key_status = fields.String(metadata={"enum": ["active", "retired", "unknown"]})
    current = fields.Boolean()
    superseded_by_version = fields.Integer(allow_none=True)
    latest_version = fields.Integer(allow_none=True)
    version = fields.Integer(allow_none=True)
