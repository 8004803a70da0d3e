"""`lienrx ledger …` commands."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from lienrx.ledger.invariants import check_ledger


@click.group("ledger")
def ledger() -> None:
    """Inspect the lien ledger."""


@ledger.command("verify")
@with_appcontext
def verify() -> None:
    """Check every ledger invariant; exit 1 naming each entry or case that fails."""
    checked, problems = check_ledger()
    for problem in problems:
        click.echo(f"ledger invariant FAILED: {problem}", err=True)
    if problems:
        raise SystemExit(1)
    click.echo(f"ledger verified: {checked} entries, every invariant holds")
