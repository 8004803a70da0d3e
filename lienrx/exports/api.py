"""Exports API: the reconciliation workbook."""

from __future__ import annotations

from typing import Any

from flask_login import current_user

from lienrx.core.api import ApiBlueprint
from lienrx.core.security import ADMIN, BILLING, require_roles
from lienrx.exports.download import XLSX, spool_reconciliation, xlsx_response
from lienrx.exports.reconciliation import Filters
from lienrx.exports.schemas import ReconciliationArgs

blp = ApiBlueprint("exports_api", __name__, description="Reconciliation exports")


@blp.route("/reconciliations.xlsx", methods=["GET"])
@require_roles(BILLING, ADMIN)
@blp.arguments(ReconciliationArgs, location="query")
@blp.response(200, content_type=XLSX)
def reconciliation(args: dict[str, Any]) -> Any:
    """The reconciliation workbook (Summary, Charges, Adjustments, Payments)."""
    spool = spool_reconciliation(current_user, Filters(**args))
    return xlsx_response(spool)
