"""Hand a reconciliation workbook to a browser or API client, streamed from a spool file."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from typing import IO

from flask import Response

from lienrx.core.actors import Actor
from lienrx.exports.reconciliation import Filters, write_reconciliation

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHUNK = 256 * 1024


def spool_reconciliation(actor: Actor, filters: Filters) -> IO[bytes]:
    """Write the workbook to a temporary file (deleted once sent); the caller commits."""
    spool = tempfile.TemporaryFile()
    try:
        write_reconciliation(actor, spool, filters)
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    return spool


def xlsx_response(spool: IO[bytes], filename: str = "reconciliation.xlsx") -> Response:
    """Stream a spooled workbook as an attachment, then discard the spool."""
    return Response(_chunks(spool), mimetype=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _chunks(spool: IO[bytes]) -> Iterator[bytes]:
    with spool:
        while chunk := spool.read(CHUNK):
            yield chunk
