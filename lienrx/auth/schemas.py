"""Request and response shapes for accounts and tokens."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from lienrx.auth import passwords, rules
from lienrx.core.schemas import DumpSchema, Id, LoadSchema, TrimmedString
from lienrx.core.security import ROLES


def TotpCode(**kwargs: Any) -> fields.String:  # noqa: N802 - a field
    """A 6-digit authentication code from an authenticator app (spaces allowed, dropped)."""
    metadata = {"label": "Authentication code",
                "hint": "The 6 digits your authenticator app shows now.",
                **kwargs.pop("metadata", {})}
    return TrimmedString(validate=validate.Regexp(r"^\d{3} ?\d{3}$",
                                                  error="Enter the 6 digits your app shows."),
                         metadata=metadata, **kwargs)


class TokenRequestSchema(LoadSchema):
    email = TrimmedString(required=True, validate=validate.Length(max=254),
                          metadata={"label": "E-mail"})
    password = fields.String(required=True, validate=validate.Length(min=1, max=512),
                             metadata={"label": "Password"})
    # Needed when the account has two-step sign-in on; a missing or wrong code is a 401.
    totp = TotpCode(load_default=None, allow_none=True, metadata={
        "hint": "Only if you turned on two-step sign-in: the 6 digits your app shows now.",
        "description": "The current 6-digit code of the user's authenticator app; required "
                       "when two-step sign-in is on (missing or wrong → 401)."})


class TotpConfirmSchema(LoadSchema):
    """The first code from a newly set-up authenticator app."""

    totp = TotpCode(required=True)


class ReauthenticationSchema(LoadSchema):
    """The signed-in person's password (and code, when enrolled), asked again before an act
    that carries their name."""

    password = fields.String(required=True, validate=validate.Length(min=1, max=512),
                             metadata={"label": "Your password"})
    totp = TotpCode(load_default=None, allow_none=True, metadata={
        "hint": "Needed when two-step sign-in is on: the 6 digits your app shows now."})


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


PASSWORD_RULES = ("At least 12 characters, not a well-known password, "  # noqa: S105 - wording
                  "not containing the e-mail's local part.")


def NewPassword(**kwargs: Any) -> fields.String:  # noqa: N802 - a field
    """A password being set; the rules are checked where the e-mail is known."""
    return fields.String(required=True, metadata={
        "label": "Password", "minLength": passwords.MIN_LENGTH,
        "maxLength": passwords.MAX_LENGTH, "description": PASSWORD_RULES,
        "hint": PASSWORD_RULES, **kwargs.pop("metadata", {})}, **kwargs)


def FirmId(**kwargs: Any) -> Any:  # noqa: N802 - a field
    """The law firm of an attorney (required for attorneys, refused for staff)."""
    return Id(load_default=None, allow_none=True, metadata={
        "label": "Law firm", "hint": "Attorneys only: the firm whose cases they see."},
        **kwargs)


def _check_firm(data: dict[str, Any]) -> None:
    """Attorneys name their firm, staff none: said with the other field errors at once."""
    if data.get("role") in ROLES:
        problem = rules.firm_problem(data["role"], data.get("law_firm_id"))
        if problem:
            raise ValidationError([problem], field_name="law_firm_id")


class UserCreateSchema(LoadSchema):
    email = fields.Email(required=True, validate=validate.Length(max=254),
                         metadata={"label": "E-mail"})
    name = TrimmedString(required=True, validate=validate.Length(min=1, max=200),
                         metadata={"label": "Name"})
    role = fields.String(required=True, validate=validate.OneOf(ROLES),
                         metadata={"label": "Role"})
    password = NewPassword()
    law_firm_id = FirmId()
    license_number = TrimmedString(load_default=None, allow_none=True,
                                   validate=validate.Length(max=60),
                                   metadata={"label": "License number"})

    @validates_schema(skip_on_field_errors=False)
    def _password_rules(self, data: dict[str, Any], **kwargs: Any) -> None:
        if isinstance(data.get("password"), str):
            found = passwords.problems(data["password"], str(data.get("email") or ""))
            if found:
                raise ValidationError(found, field_name="password")

    @validates_schema(skip_on_field_errors=False)
    def _firm_fits_role(self, data: dict[str, Any], **kwargs: Any) -> None:
        _check_firm(data)


class UserRoleSchema(LoadSchema):
    """An admin's change of a user's role, and of an attorney's firm (pages only)."""

    role = fields.String(required=True, validate=validate.OneOf(ROLES),
                         metadata={"label": "Role"})
    law_firm_id = FirmId()

    @validates_schema(skip_on_field_errors=False)
    def _firm_fits_role(self, data: dict[str, Any], **kwargs: Any) -> None:
        _check_firm(data)


class PasswordResetSchema(LoadSchema):
    """A new password an admin sets for a user (pages only); the rules are checked against
    the user's e-mail by the service."""

    password = NewPassword(metadata={"label": "New password"})
