"""`lienrx export …` commands."""

from __future__ import annotations

import sys
from datetime import date, datetime

import click
from flask.cli import with_appcontext

from lienrx.cases.rules import STATUSES
from lienrx.exports.reconciliation import Filters, count_rows, write_reconciliation
from lienrx.extensions import db


@click.group("export")
def export() -> None:
    """Export billing workbooks."""


def _day(value: datetime | None) -> date | None:
    return value.date() if value else None


@export.command("reconciliation")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, writable=True),
              help="Where to write the .xlsx workbook.")
@click.option("--law-firm-id", type=int, default=None, help="Only this firm's cases.")
@click.option("--settled-from", type=click.DateTime(["%Y-%m-%d"]), default=None)
@click.option("--settled-to", type=click.DateTime(["%Y-%m-%d"]), default=None)
@click.option("--status", type=click.Choice(STATUSES), default=None)
@with_appcontext
def reconciliation(out: str, law_firm_id: int | None, settled_from: datetime | None,
                   settled_to: datetime | None, status: str | None) -> None:
    """Write the reconciliation workbook (same filters as the API), with a progress bar."""
    filters = Filters(law_firm_id, _day(settled_from), _day(settled_to), status)
    with click.progressbar(length=count_rows(filters), label="Exporting rows",
                           file=sys.stderr) as bar:
        counts = write_reconciliation(None, out, filters, progress=bar.update)
    db.session.commit()
    click.echo(f"wrote {out}: {counts.cases} cases, {counts.charges} charges, "
               f"{counts.adjustments} adjustments, {counts.payments} payments")
