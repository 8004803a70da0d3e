"""Exports API: the reconciliation workbook."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from typing import IO, Any

from flask import Response
from flask_login import current_user

from lienrx.core.api import ApiBlueprint
from lienrx.core.security import ADMIN, BILLING, require_roles
from lienrx.exports.reconciliation import Filters, write_reconciliation
from lienrx.exports.schemas import ReconciliationArgs
from lienrx.extensions import db

blp = ApiBlueprint("exports_api", __name__, description="Reconciliation exports")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHUNK = 256 * 1024


@blp.route("/reconciliations.xlsx", methods=["GET"])
@require_roles(BILLING, ADMIN)
@blp.arguments(ReconciliationArgs, location="query")
@blp.response(200, content_type=XLSX)
def reconciliation(args: dict[str, Any]) -> Any:
    """The reconciliation workbook (Summary, Charges, Adjustments, Payments)."""
    spool = tempfile.TemporaryFile()
    try:
        write_reconciliation(current_user, spool, Filters(**args))
        db.session.commit()
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    return Response(_chunks(spool), mimetype=XLSX, headers={
        "Content-Disposition": 'attachment; filename="reconciliation.xlsx"'})


def _chunks(spool: IO[bytes]) -> Iterator[bytes]:
    """Send the spooled workbook in pieces, then discard it."""
    with spool:
        while chunk := spool.read(CHUNK):
            yield chunk
