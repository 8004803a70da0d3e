"""Request and response shapes for accounts and tokens."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

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
    password = fields.String(required=True, metadata={
        "label": "Password", "minLength": passwords.MIN_LENGTH,
        "maxLength": passwords.MAX_LENGTH,
        "description": "At least 12 characters, not a well-known password, not containing "
                       "the e-mail's local part."})
    law_firm_id = Id(load_default=None, allow_none=True)
    license_number = TrimmedString(load_default=None, allow_none=True,
                                   validate=validate.Length(max=60))

    @validates_schema(skip_on_field_errors=False)
    def _password_rules(self, data: dict[str, Any], **kwargs: Any) -> None:
        if isinstance(data.get("password"), str):
            found = passwords.problems(data["password"], str(data.get("email") or ""))
            if found:
                raise ValidationError(found, field_name="password")
