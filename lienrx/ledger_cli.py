"""`lienrx ledger …` commands.

They live beside the command registry, not in ``lienrx.ledger``, because verifying the books
reads the records other domains froze (dispenses, payments, reductions), and the ledger
depends on no domain.
"""

from __future__ import annotations

from itertools import chain

import click
from flask.cli import with_appcontext

from lienrx.dispensing.queries import booked_charges
from lienrx.ledger.invariants import check_ledger
from lienrx.settlement.queries import booked_money


@click.group("ledger")
def ledger() -> None:
    """Inspect the lien ledger."""


@ledger.command("verify")
@with_appcontext
def verify() -> None:
    """Check every ledger invariant, and every dispense, reversal, payment and reduction
    against its journal entry; exit 1 naming each entry, case or record that fails."""
    checked, problems = check_ledger(chain(booked_charges(), booked_money()))
    for problem in problems:
        click.echo(f"ledger invariant FAILED: {problem}", err=True)
    if problems:
        raise SystemExit(1)
    click.echo(f"ledger verified: {checked} entries, every invariant holds; dispenses, "
               "reversals, payments and reductions agree with their entries")
