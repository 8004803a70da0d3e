"""Browser sign-in and sign-out."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user, logout_user

from lienrx.auth import services
from lienrx.auth.schemas import TokenRequestSchema
from lienrx.auth.sessions import sign_in_limit
from lienrx.core import clock, forms
from lienrx.core.errors import RateLimited
from lienrx.core.security import ATTORNEY, safe_next_url
from lienrx.seeds.demo_accounts import DEMO_ACCOUNTS, DEMO_PASSWORD

bp = Blueprint("auth", __name__)


@bp.context_processor
def demo_accounts() -> dict[str, Any]:
    """In development the sign-in page lists the demo accounts (`lienrx seed demo`); in any
    other mode, none."""
    development = current_app.config["LIENRX_ENV"] == "development"
    return {"demo_accounts": DEMO_ACCOUNTS if development else (),
            "demo_password": DEMO_PASSWORD if development else None}


def landing_url(role: str) -> str:
    """Attorneys land on the portal, staff on their work queue."""
    return url_for("portal.index") if role == ATTORNEY else url_for("staff.queue")


@bp.route("/login", methods=["GET", "POST"])
@sign_in_limit
def login() -> Any:
    """Show the sign-in form; sign in and go to ``next`` (if local) or the role's home."""
    if session.pop("idle_logout", False):
        flash("You were signed out after a period of inactivity.", "info")
    if current_user.is_authenticated and request.method == "GET":
        return redirect(landing_url(current_user.role))
    if request.method == "GET":
        return render_template("auth/login.html", form=forms.blank(
            TokenRequestSchema(), next=request.args.get("next", "")))
    data = forms.read(("email", "totp"))
    if request.form.get("password"):
        data["password"] = request.form["password"]  # as typed: spaces are part of it
    shown = {"email": request.form.get("email", ""), "next": request.form.get("next", "")}
    # the authentication code is not shown back: it is used up or wrong either way
    form = forms.Submission.load(TokenRequestSchema(), data, raw=shown)
    if not form.ok:
        return render_template("auth/login.html", form=form), form.status
    try:
        user = services.authenticate(**(form.values or {}))
    except RateLimited as refused:
        form.refuse("_form", refused.detail)
        return (render_template("auth/login.html", form=form), 429,
                {"Retry-After": str(refused.retry_after)})
    if user is None:
        g.login_failed = True
        form.refuse("_form", services.SIGN_IN_REFUSED)
        return render_template("auth/login.html", form=form), 200
    session.clear()
    login_user(user)
    session["last_active"] = clock.utcnow().timestamp()
    services.signed_in(user)
    return redirect(safe_next_url(shown["next"]) or landing_url(user.role))


@bp.route("/logout", methods=["POST"])
def logout() -> Any:
    """Sign out (POST with the CSRF token): every session cookie of the user stops working."""
    if current_user.is_authenticated:
        services.signed_out(current_user._get_current_object())
    logout_user()
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))
