"""`lienrx audit …` commands."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from lienrx.audit.services import verify_chain


@click.group("audit")
def audit() -> None:
    """Inspect the audit trail."""


@audit.command("verify")
@with_appcontext
def verify() -> None:
    """Check the audit hash chain; exit 1 naming the first broken event."""
    count, problem = verify_chain()
    if problem is not None:
        click.echo(f"audit chain BROKEN at event {problem.seq}: {problem.reason} "
                   f"({count} events verified before it)", err=True)
        raise SystemExit(1)
    click.echo(f"audit chain intact: {count} events")
