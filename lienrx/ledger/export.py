"""A case's whole itemised ledger as CSV, streamed: the rows come from a server-side cursor a
batch at a time and leave as they are written, so memory does not grow with the ledger."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from flask import Response, stream_with_context

from lienrx.core.money import format_cents
from lienrx.core.spreadsheets import csv_text
from lienrx.ledger.queries import LedgerLine, ledger_lines

CSV = "text/csv"
CSV_HEADER = ("Entry ID", "Date", "Kind", "Memo", "Amount", "Balance", "Posted at",
              "Dispense ID")
CHUNK_ROWS = 200  # rows written out at a time


def _row(line: LedgerLine) -> tuple[str, ...]:
    return (str(line.id), line.occurred_on.isoformat(), line.kind, csv_text(line.memo),
            format_cents(line.amount), format_cents(line.running), line.posted_at.isoformat(),
            "" if line.dispense_id is None else str(line.dispense_id))


def _drain(out: io.StringIO) -> str:
    text = out.getvalue()
    out.seek(0)
    out.truncate()
    return text


def ledger_csv(case_id: int) -> Iterator[str]:
    """The header, then every entry in posting order (``amount`` signed, + raises the
    balance; ``Balance`` is the balance after the entry), a chunk of rows at a time."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    yield _drain(out)
    for n, line in enumerate(ledger_lines(case_id), start=1):
        writer.writerow(_row(line))
        if n % CHUNK_ROWS == 0:
            yield _drain(out)
    if out.tell():
        yield _drain(out)


def csv_response(case_id: int) -> Response:
    """The case's ledger as a CSV attachment, streamed within the request's context (the
    caller has passed the case's read gate and recorded the read)."""
    return Response(stream_with_context(ledger_csv(case_id)), mimetype=CSV, headers={
        "Content-Disposition": f'attachment; filename="ledger-case-{case_id}.csv"'})
