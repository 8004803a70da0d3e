"""`lienrx inventory …` commands."""

from __future__ import annotations

from datetime import datetime

import click
from flask.cli import with_appcontext

from lienrx.extensions import db
from lienrx.inventory.invariants import check_inventory, drawn_records
from lienrx.inventory.report import write_xlsx


@click.group("inventory")
def inventory() -> None:
    """Check and report the controlled-substance inventory."""


@inventory.command("verify")
@with_appcontext
def verify() -> None:
    """Check that every lot's on hand is the sum of its movements and none is below zero,
    and that every controlled compounding use, dispense and reversal has its movements;
    exit 1 naming each lot or record that fails."""
    checked, problems = check_inventory(drawn_records())
    for problem in problems:
        click.echo(f"inventory invariant FAILED: {problem}", err=True)
    if problems:
        raise SystemExit(1)
    click.echo(f"inventory verified: {checked} lots, each on hand equals the sum of its "
               "movements, none below zero; every controlled batch, dispense and reversal "
               "has its movements")


@inventory.command("report")
@click.option("--from", "start", required=True, type=click.DateTime(["%Y-%m-%d"]),
              help="First business day of the period.")
@click.option("--to", "end", required=True, type=click.DateTime(["%Y-%m-%d"]),
              help="Last business day of the period (included).")
@click.option("--out", required=True, type=click.Path(dir_okay=False, writable=True),
              help="Where to write the .xlsx workbook.")
@with_appcontext
def report(start: datetime, end: datetime, out: str) -> None:
    """Write the controlled-substance report (per drug and lot) for a period."""
    if end < start:
        raise click.BadParameter("must be on or after --from", param_hint="--to")
    written = write_xlsx(None, out, start.date(), end.date())
    db.session.commit()
    click.echo(f"wrote {out}: {len(written.drugs)} drugs, {len(written.lots)} lots, "
               f"{written.movements} movements from {start.date()} to {end.date()}")
