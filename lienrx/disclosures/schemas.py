"""The accounting of disclosures as the API returns it."""

from __future__ import annotations

from marshmallow import fields

from lienrx.core.schemas import DumpSchema


class DisclosureSchema(DumpSchema):
    at = fields.DateTime(attribute="occurred_at")
    law_firm_id = fields.Integer()
    law_firm = fields.Function(lambda d: d.law_firm.name)
    what = fields.String()
    user_id = fields.Integer()
    case_id = fields.Integer()
