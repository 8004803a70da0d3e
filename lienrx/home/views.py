"""Landing pages after sign-in."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, url_for
from flask_login import current_user

from lienrx.core.security import ATTORNEY

bp = Blueprint("home", __name__)


@bp.route("/")
def index() -> Any:
    """Send visitors to sign-in, signed-in users to their home."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return redirect(url_for("portal.index" if current_user.role == ATTORNEY else "staff.queue"))


@bp.route("/favicon.ico")
def favicon() -> Any:
    """Browsers ask for /favicon.ico on pages that name no icon: send them to the icon."""
    return redirect(url_for("static", filename="favicon.ico"), code=301)
