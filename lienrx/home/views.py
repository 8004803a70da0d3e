"""Landing pages after sign-in."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from lienrx.core.security import ATTORNEY, STAFF, require_roles

bp = Blueprint("home", __name__)


@bp.route("/")
def index() -> Any:
    """Send visitors to sign-in, signed-in users to their home."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return redirect(url_for("home.portal" if current_user.role == ATTORNEY else "home.staff"))


@bp.route("/staff/")
@require_roles(*STAFF)
def staff() -> Any:
    """Staff home."""
    return render_template("home/staff.html")


@bp.route("/portal/")
@require_roles(ATTORNEY)
def portal() -> Any:
    """Attorney portal home."""
    return render_template("home/portal.html")
