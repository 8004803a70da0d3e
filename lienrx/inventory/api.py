"""Inventory API: receive controlled stock, read lots and their journal, record waste,
destruction, loss, theft and counts, and download the controlled-substance report."""

from __future__ import annotations

import io
from typing import Any

from flask import Response
from flask_login import current_user

from lienrx.core.api import ApiBlueprint, paged
from lienrx.core.security import ADMIN, PHARMACIST, TECHNICIAN, require_roles
from lienrx.exports.download import XLSX, xlsx_response
from lienrx.inventory import pdf, queries, report, services
from lienrx.inventory.schemas import (
    CountCreateSchema,
    CountSchema,
    LotListArgs,
    LotSchema,
    MovementCreateSchema,
    MovementSchema,
    ReceiptSchema,
    ReportArgs,
)

blp = ApiBlueprint("inventory_api", __name__,
                   description="Controlled-substance inventory (21 CFR 1304)")


@blp.route("/inventory/receipts", methods=["POST"])
@require_roles(PHARMACIST)
@blp.arguments(ReceiptSchema)
@blp.response(201, LotSchema)
def receive(body: dict[str, Any]) -> Any:
    """Receive stock against an invoice; the answer is the lot (its `id` is the receipt's)."""
    return services.receive(current_user, **body)


@blp.route("/inventory/lots", methods=["GET"])
@require_roles(PHARMACIST, TECHNICIAN, ADMIN)
@blp.arguments(LotListArgs, location="query")
@blp.response(200, LotSchema(many=True))
@blp.paginate()
def list_lots(args: dict[str, Any], pagination_parameters: Any) -> Any:
    """Lots by drug and expiry, with what each has on hand."""
    found = queries.list_lots(page=pagination_parameters.page,
                              page_size=pagination_parameters.page_size, **args)
    return paged(found, pagination_parameters)


@blp.route("/inventory/lots/<int:lot_id>/movements", methods=["GET"])
@require_roles(PHARMACIST, ADMIN)
@blp.response(200, MovementSchema(many=True))
@blp.paginate()
def lot_movements(lot_id: int, pagination_parameters: Any) -> Any:
    """A lot's journal, oldest first; quantities are signed."""
    services.get_lot(lot_id)
    found = queries.movements(lot_id, page=pagination_parameters.page,
                              page_size=pagination_parameters.page_size)
    return paged(found, pagination_parameters)


@blp.route("/inventory/movements", methods=["POST"])
@require_roles(PHARMACIST)
@blp.arguments(MovementCreateSchema)
@blp.response(201, MovementSchema)
def record_movement(body: dict[str, Any]) -> Any:
    """Record waste, a destruction, a loss or theft, or an adjustment (422 naming what each
    kind still needs; 409 `insufficient_inventory` beyond what the lot holds)."""
    return services.record_movement(current_user, **body)


@blp.route("/inventory/counts", methods=["POST"])
@require_roles(PHARMACIST)
@blp.arguments(CountCreateSchema)
@blp.response(201, CountSchema)
def record_count(body: dict[str, Any]) -> Any:
    """Record a physical count; each line's variance is posted as an adjustment."""
    return services.record_count(current_user, **body)


@blp.route("/inventory/report.xlsx", methods=["GET"])
@require_roles(PHARMACIST, ADMIN)
@blp.arguments(ReportArgs, location="query")
@blp.response(200, content_type=XLSX)
def report_xlsx(args: dict[str, Any]) -> Any:
    """The controlled-substance report for `?from=&to=` as a workbook."""
    workbook = io.BytesIO()
    report.write_xlsx(current_user, workbook, args["start"], args["end"])
    workbook.seek(0)
    return xlsx_response(workbook, "controlled-substance-report.xlsx")


@blp.route("/inventory/report.pdf", methods=["GET"])
@require_roles(PHARMACIST, ADMIN)
@blp.arguments(ReportArgs, location="query")
@blp.response(200, content_type="application/pdf")
def report_pdf(args: dict[str, Any]) -> Any:
    """The controlled-substance report for `?from=&to=` as a PDF."""
    body = pdf.render(current_user, args["start"], args["end"])
    return Response(body, mimetype="application/pdf", headers={
        "Content-Disposition": 'attachment; filename="controlled-substance-report.pdf"'})
