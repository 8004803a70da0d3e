"""`lienrx users …` commands."""

from __future__ import annotations

import os

import click
from flask.cli import with_appcontext

from lienrx.auth import services
from lienrx.core.errors import Conflict, ValidationFailed
from lienrx.core.security import ROLES
from lienrx.extensions import db


@click.group("users")
def users() -> None:
    """Manage user accounts."""


@users.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--law-firm-id", type=int, default=None)
@click.option("--license", "license_number", default=None)
@with_appcontext
def create(email: str, name: str, role: str, law_firm_id: int | None,
           license_number: str | None) -> None:
    """Create a user; the password comes from LIENRX_PASSWORD or a prompt."""
    password = os.environ.get("LIENRX_PASSWORD") or click.prompt(
        "Password", hide_input=True, confirmation_prompt=True)
    try:
        user = services.create_user(None, email=email, name=name, role=role, password=password,
                                    law_firm_id=law_firm_id, license_number=license_number)
    except ValidationFailed as exc:
        for field, messages in exc.errors.items():
            click.echo(f"{field}: {' '.join(messages)}", err=True)
        raise SystemExit(2) from None
    db.session.commit()
    click.echo(f"created user {user.id} {user.email} ({user.role})")


@users.command("deactivate")
@click.option("--email", required=True)
@with_appcontext
def deactivate(email: str) -> None:
    """Deactivate a user: every session and token of theirs stops working at once."""
    user = services.find_by_email(email)
    if user is None:
        click.echo(f"email: no user has the e-mail {email.strip().lower()}", err=True)
        raise SystemExit(2)
    try:
        services.deactivate_user(None, user.id)
    except Conflict as refused:
        click.echo(f"refused: {refused.detail}", err=True)
        raise SystemExit(2) from None
    db.session.commit()
    click.echo(f"deactivated user {user.id} {user.email}; its sessions and tokens are ended")
