"""Reports API: the A/R aging by firm, as JSON and as a workbook."""

from __future__ import annotations

import io
from typing import Any

from flask import current_app
from flask_login import current_user

from lienrx.core.api import ApiBlueprint
from lienrx.core.security import ADMIN, BILLING, require_roles
from lienrx.exports.download import XLSX, xlsx_response
from lienrx.reports import rules
from lienrx.reports.aging import aging
from lienrx.reports.board import billing_board
from lienrx.reports.schemas import AgingArgs, FirmAgingSchema
from lienrx.reports.workbook import write_board

blp = ApiBlueprint("reports_api", __name__, description="Billing reports")


@blp.route("/reports/aging", methods=["GET"])
@require_roles(BILLING, ADMIN)
@blp.arguments(AgingArgs, location="query")
@blp.response(200, FirmAgingSchema(many=True))
def aging_report(args: dict[str, Any]) -> Any:
    """Each firm's owed balances by the age of each case's first unpaid charge (`0-90`,
    `91-180`, `181-365`, `366-730`, `731+` days as of `as_of`, default today)."""
    return aging(args["as_of"])


@blp.route("/reports/aging.xlsx", methods=["GET"])
@require_roles(BILLING, ADMIN)
@blp.arguments(AgingArgs, location="query")
@blp.response(200, content_type=XLSX)
def aging_workbook(args: dict[str, Any]) -> Any:
    """The aging, the liens at limitation risk and the quiet liens as a workbook."""
    board = billing_board(current_user, args["as_of"],
                          quiet_after=int(current_app.config["LIENRX_QUIET_LIEN_DAYS"]),
                          warn_days=rules.LIMITATION_WARNING_DAYS)
    workbook = io.BytesIO()
    write_board(current_user, workbook, board)
    workbook.seek(0)
    return xlsx_response(workbook, f"aging-{args['as_of'].isoformat()}.xlsx")
