"""Request and response shapes for law firms, patients and prescribers."""

from __future__ import annotations

from typing import Any

from marshmallow import fields, validate

from lienrx.core.schemas import BoundedDate, DumpSchema, LoadSchema, TrimmedString
from lienrx.parties.rules import CREDENTIALS


def _opt(max_len: int, **kwargs: Any) -> TrimmedString:
    return TrimmedString(load_default=None, allow_none=True,
                         validate=validate.Length(max=max_len), **kwargs)


class LawFirmCreateSchema(LoadSchema):
    name = TrimmedString(required=True, validate=validate.Length(min=1, max=200),
                         metadata={"label": "Firm name"})
    address = _opt(400, metadata={"label": "Address"})
    phone = _opt(40, metadata={"label": "Phone"})
    email = fields.Email(load_default=None, allow_none=True, validate=validate.Length(max=254),
                         metadata={"label": "E-mail"})


class LawFirmSchema(DumpSchema):
    id = fields.Integer()
    name = fields.String()
    address = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    email = fields.String(allow_none=True)


class PatientCreateSchema(LoadSchema):
    first_name = TrimmedString(required=True, validate=validate.Length(min=1, max=100),
                               metadata={"label": "First name"})
    last_name = TrimmedString(required=True, validate=validate.Length(min=1, max=100),
                              metadata={"label": "Last name"})
    date_of_birth = BoundedDate("birth", required=True, metadata={"label": "Date of birth"})
    phone = _opt(40, metadata={"label": "Phone"})
    email = fields.Email(load_default=None, allow_none=True, validate=validate.Length(max=254),
                         metadata={"label": "E-mail"})
    address = _opt(400, metadata={"label": "Address"})


class PatientSchema(DumpSchema):
    id = fields.Integer()
    first_name = fields.String()
    last_name = fields.String()
    date_of_birth = fields.String()
    phone = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    address = fields.String(allow_none=True)


class PatientSearchArgs(LoadSchema):
    last_name = TrimmedString(required=True, validate=validate.Length(min=1, max=100),
                              metadata={"label": "Last name"})
    date_of_birth = BoundedDate("birth", required=True, metadata={"label": "Date of birth"})


class PrescriberCreateSchema(LoadSchema):
    first_name = TrimmedString(required=True, validate=validate.Length(min=1, max=100),
                               metadata={"label": "First name"})
    last_name = TrimmedString(required=True, validate=validate.Length(min=1, max=100),
                              metadata={"label": "Last name"})
    credential = TrimmedString(load_default=None, allow_none=True,
                               validate=validate.OneOf(CREDENTIALS, error="One of {choices}."),
                               metadata={"label": "Credential"})
    npi = TrimmedString(required=True, validate=validate.Length(max=10), metadata={"label": "NPI"})
    dea_number = TrimmedString(load_default=None, allow_none=True, validate=validate.Length(max=9),
                               metadata={"label": "DEA number"})
    state_license = _opt(40, metadata={"label": "State license"})
    specialty = _opt(100, metadata={"label": "Specialty"})
    address = _opt(400, metadata={"label": "Address"})


class PrescriberSchema(DumpSchema):
    id = fields.Integer()
    first_name = fields.String()
    last_name = fields.String()
    credential = fields.String(allow_none=True)
    npi = fields.String()
    dea_number = fields.String(allow_none=True)
    state_license = fields.String(allow_none=True)
    specialty = fields.String(allow_none=True)
    address = fields.String(allow_none=True)
