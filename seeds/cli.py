"""`lienrx seed …` commands."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from lienrx.extensions import db
from lienrx.seeds.demo import load_demo
from lienrx.seeds.demo_accounts import DEMO_ACCOUNTS, DEMO_PASSWORD
from lienrx.seeds.formulary import seed_formulary


@click.group("seed")
def seed() -> None:
    """Load reference and demo data."""


@seed.command("demo")
@with_appcontext
def demo() -> None:
    """Load a demo firm, users, patient and case (development only; idempotent)."""
    if current_app.config["LIENRX_ENV"] == "production":
        click.echo("refusing to load demo accounts into a production database", err=True)
        raise SystemExit(2)
    emails = load_demo()
    db.session.commit()
    if not emails:
        click.echo("demo data already present")
        return
    click.echo(f"demo accounts (password {DEMO_PASSWORD}):")
    for account in DEMO_ACCOUNTS:
        click.echo(f"  {account.email:<30} {account.role}")


@seed.command("formulary")
@with_appcontext
def formulary() -> None:
    """Load the formulary, master formulations, prices and DUR rules (idempotent)."""
    changed = seed_formulary()
    click.echo(f"formulary seed loaded: {changed} records created or updated")
