"""Browser sign-in and sign-out."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from lienrx.audit import services as audit
from lienrx.auth import services
from lienrx.auth.forms import LoginForm
from lienrx.auth.sessions import count_failed_logins, login_limit
from lienrx.core import clock
from lienrx.core.security import ATTORNEY, safe_next_url
from lienrx.extensions import limiter

bp = Blueprint("auth", __name__)


def landing_url(role: str) -> str:
    """Attorneys land on the portal, staff on their work queue."""
    return url_for("portal.index") if role == ATTORNEY else url_for("staff.queue")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"], deduct_when=count_failed_logins)
def login() -> Any:
    """Show the sign-in form; sign in and go to ``next`` (if local) or the role's home."""
    form = LoginForm(next=request.args.get("next", ""))
    if session.pop("idle_logout", False):
        flash("You were signed out after a period of inactivity.", "info")
    if current_user.is_authenticated and request.method == "GET":
        return redirect(landing_url(current_user.role))
    if form.validate_on_submit():
        user = services.authenticate(form.email.data or "", form.password.data or "")
        if user is not None:
            session.clear()
            login_user(user)
            session["last_active"] = clock.utcnow().timestamp()
            audit.record(user, "auth.login", "user", user.id)
            return redirect(safe_next_url(form.next.data) or landing_url(user.role))
        g.login_failed = True
        flash("The e-mail or password is wrong.", "error")
    status = 400 if request.method == "POST" and form.errors else 200
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout() -> Any:
    """Sign out (POST with the CSRF token)."""
    if current_user.is_authenticated:
        audit.record(current_user._get_current_object(), "auth.logout", "user", current_user.id)
    logout_user()
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))
