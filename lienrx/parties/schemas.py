"""Request and response shapes for law firms, patients and prescribers."""

from __future__ import annotations

from marshmallow import fields, validate

from lienrx.core.schemas import DumpSchema, LoadSchema, TrimmedString


def _opt(max_len: int) -> TrimmedString:
    return TrimmedString(load_default=None, allow_none=True, validate=validate.Length(max=max_len))


class LawFirmCreateSchema(LoadSchema):
    name = TrimmedString(required=True, validate=validate.Length(min=1, max=200))
    address = _opt(400)
    phone = _opt(40)
    email = fields.Email(load_default=None, allow_none=True, validate=validate.Length(max=254))


class LawFirmSchema(DumpSchema):
    id = fields.Integer()
    name = fields.String()
    address = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    email = fields.String(allow_none=True)


class PatientCreateSchema(LoadSchema):
    first_name = TrimmedString(required=True, validate=validate.Length(min=1, max=100))
    last_name = TrimmedString(required=True, validate=validate.Length(min=1, max=100))
    date_of_birth = fields.Date(required=True)
    phone = _opt(40)
    email = fields.Email(load_default=None, allow_none=True, validate=validate.Length(max=254))
    address = _opt(400)


class PatientSchema(DumpSchema):
    id = fields.Integer()
    first_name = fields.String()
    last_name = fields.String()
    date_of_birth = fields.String()
    phone = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    address = fields.String(allow_none=True)


class PatientSearchArgs(LoadSchema):
    last_name = TrimmedString(required=True, validate=validate.Length(min=1, max=100))
    date_of_birth = fields.Date(required=True)


class PrescriberCreateSchema(LoadSchema):
    first_name = TrimmedString(required=True, validate=validate.Length(min=1, max=100))
    last_name = TrimmedString(required=True, validate=validate.Length(min=1, max=100))
    npi = TrimmedString(required=True, validate=validate.Length(max=10))
    dea_number = TrimmedString(load_default=None, allow_none=True, validate=validate.Length(max=9))
    state_license = _opt(40)
    specialty = _opt(100)
    address = _opt(400)


class PrescriberSchema(DumpSchema):
    id = fields.Integer()
    first_name = fields.String()
    last_name = fields.String()
    npi = fields.String()
    dea_number = fields.String(allow_none=True)
    state_license = fields.String(allow_none=True)
    specialty = fields.String(allow_none=True)
    address = fields.String(allow_none=True)
