"""`lienrx pdmp …` commands: generate a day's report for cron, send one by SFTP."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click
from flask.cli import with_appcontext

from lienrx.core.errors import LienRxError
from lienrx.extensions import db
from lienrx.pdmp import services


@click.group("pdmp")
def pdmp() -> None:
    """PDMP reporting (ASAP 4.2)."""


@pdmp.command("report")
@click.option("--date", "report_date", required=True, type=click.DateTime(["%Y-%m-%d"]),
              help="The day the report covers.")
@click.option("--state", default=None, help="Two-letter state (default: the pharmacy's).")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, writable=True),
              help="Where to write the ASAP file.")
@with_appcontext
def report(report_date: datetime, state: str | None, out: str) -> None:
    """Generate and log the report for a date and write its file (exit 1 naming the refusal)."""
    try:
        made = services.generate(None, report_date=report_date.date(), state=state)
    except LienRxError as exc:
        db.session.rollback()
        raise click.ClickException(f"{exc.detail} {getattr(exc, 'errors', '') or ''}".strip()
                                   ) from None
    Path(out).write_text(made.content, encoding="utf-8")
    Path(out).chmod(0o600)  # the file names patients
    db.session.commit()
    kind = "zero report" if made.zero_report else f"{made.record_count} records"
    click.echo(f"wrote {out}: {made.state} {made.report_date} report {made.id}, {kind}, "
               f"sha256 {made.sha256}")
    for problem in made.problems:
        click.echo(f"left out dispense {problem['dispense_id']} ({problem['rx_number']}): "
                   f"{problem['problem']}", err=True)
