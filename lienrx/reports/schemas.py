"""Request and response shapes of the billing reports."""

from __future__ import annotations

from marshmallow import fields

from lienrx.core import clock
from lienrx.core.schemas import BoundedDate, DumpSchema, LoadSchema, Money
from lienrx.reports.rules import BUCKET_NAMES


class AgingArgs(LoadSchema):
    as_of = BoundedDate("event", load_default=clock.today, metadata={"label": "As of"})


# bucket names such as "0-90" are not identifiers, so the schema is built from a dict
AgingBucketsSchema = DumpSchema.from_dict({name: Money() for name in BUCKET_NAMES},
                                          name="AgingBucketsSchema")


class FirmAgingSchema(DumpSchema):
    law_firm_id = fields.Integer()
    law_firm = fields.String()
    buckets = fields.Nested(AgingBucketsSchema)
    total = Money()
