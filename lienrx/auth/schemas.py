"""Request and response shapes for accounts and tokens."""

from __future__ import annotations

from marshmallow import fields, validate

from lienrx.auth import passwords
from lienrx.core.schemas import DumpSchema, Id, LoadSchema, TrimmedString
from lienrx.core.security import ROLES


class TokenRequestSchema(LoadSchema):
    email = TrimmedString(required=True, validate=validate.Length(max=254),
                          metadata={"label": "E-mail"})
    password = fields.String(required=True, validate=validate.Length(min=1, max=512),
                             metadata={"label": "Password"})


class UserSchema(DumpSchema):
    id = fields.Integer()
    email = fields.String()
    name = fields.String()
    role = fields.String()
    law_firm_id = fields.Integer(allow_none=True)
    license_number = fields.String(allow_none=True)
    active = fields.Boolean()


class TokenUserSchema(DumpSchema):
    id = fields.Integer()
    email = fields.String()
    name = fields.String()
    role = fields.String()
    law_firm_id = fields.Integer(allow_none=True)


class TokenSchema(DumpSchema):
    token = fields.String()
    token_type = fields.String()
    expires_at = fields.DateTime()
    user = fields.Nested(TokenUserSchema)


class UserCreateSchema(LoadSchema):
    email = fields.Email(required=True, validate=validate.Length(max=254))
    name = TrimmedString(required=True, validate=validate.Length(min=1, max=200))
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    # The length shows in the OpenAPI document; the service checks every password rule.
    password = fields.String(
        required=True, metadata={"label": "Password"},
        validate=validate.Length(min=passwords.MIN_LENGTH, max=passwords.MAX_LENGTH,
                                 error="Use {min} to {max} characters."))
    law_firm_id = Id(load_default=None, allow_none=True)
    license_number = TrimmedString(load_default=None, allow_none=True,
                                   validate=validate.Length(max=60))
