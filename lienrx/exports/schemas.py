"""Query arguments of the reconciliation export."""

from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates_schema

from lienrx.cases.rules import STATUSES
from lienrx.core.schemas import Id, LoadSchema


class ReconciliationArgs(LoadSchema):
    law_firm_id = Id(strict=False, load_default=None)
    settled_from = fields.Date(load_default=None)
    settled_to = fields.Date(load_default=None)
    status = fields.String(load_default=None, validate=validate.OneOf(STATUSES))

    @validates_schema
    def _range_in_order(self, data: dict, **kwargs: object) -> None:
        start, end = data.get("settled_from"), data.get("settled_to")
        if start and end and end < start:
            raise ValidationError("settled_to is before settled_from.", "settled_to")
