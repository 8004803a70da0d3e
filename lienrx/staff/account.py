"""The signed-in person's own account: two-step sign-in with an authenticator app."""

from __future__ import annotations

from typing import Any

from flask import flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from lienrx.auth import services
from lienrx.auth.schemas import ReauthenticationSchema, TotpConfirmSchema
from lienrx.auth.sessions import count_failed_logins, login_limit
from lienrx.core import forms
from lienrx.core.security import STAFF, require_roles
from lienrx.extensions import limiter
from lienrx.staff.blueprint import bp

# A wrong password or code given to prove who one is counts like a failed sign-in, so a
# signed-in session left open cannot be used to guess the password.
proof_limited = limiter.limit(login_limit, methods=["POST"], deduct_when=count_failed_logins)


def count_failed_proof(form: forms.Submission) -> None:
    """Mark the request a failed sign-in when the password or code given was refused."""
    if "password" in form.errors or "totp" in form.errors:
        g.login_failed = True


def security_page(confirm: forms.Submission | None = None,
                  disable: forms.Submission | None = None,
                  start: forms.Submission | None = None) -> Any:
    """Render the two-step sign-in state: on, being set up (secret shown), or off."""
    confirm = confirm or forms.blank(TotpConfirmSchema())
    disable = disable or forms.blank(ReauthenticationSchema())
    start = start or forms.blank()
    status = max(confirm.status, disable.status, start.status)
    return render_template("staff/account_security.html",
                           enrolled=services.second_factor_enrolled(current_user),
                           pending=services.pending_totp_enrolment(current_user),
                           confirm=confirm, disable=disable, start=start), status


@bp.route("/account/security")
@require_roles(*STAFF)
def account_security() -> Any:
    """Show whether two-step sign-in is on, and the set-up or turn-off form."""
    return security_page()


@bp.route("/account/security/totp", methods=["POST"])
@require_roles(*STAFF)
def start_totp() -> Any:
    """Make a new authenticator secret, shown until a code from it confirms it."""
    start = forms.blank()
    start.attempt(services.start_totp_enrolment, current_user)
    if start.refusal is not None:
        return security_page(start=start)
    return redirect(url_for("staff.account_security"))


@bp.route("/account/security/totp/confirm", methods=["POST"])
@require_roles(*STAFF)
def confirm_totp() -> Any:
    """Turn two-step sign-in on with the first code from the app."""
    form = forms.Submission.load(TotpConfirmSchema(), forms.read(("totp",)), raw={})
    form.call(services.confirm_totp_enrolment, current_user)
    if not form.ok:
        return security_page(confirm=form)
    flash("Two-step sign-in is on: sign-in and signing now ask for a code from your app.", "info")
    return redirect(url_for("staff.account_security"))


@bp.route("/account/security/totp/disable", methods=["POST"])
@proof_limited
@require_roles(*STAFF)
def disable_totp() -> Any:
    """Turn two-step sign-in off after the password and a current code."""
    data = forms.read(("totp",))
    if request.form.get("password"):
        data["password"] = request.form["password"]  # as typed: spaces are part of it
    form = forms.Submission.load(ReauthenticationSchema(), data, raw={})
    form.call(services.disable_totp, current_user)
    if not form.ok:
        count_failed_proof(form)
        return security_page(disable=form)
    flash("Two-step sign-in is off: sign-in asks for your password only.", "info")
    return redirect(url_for("staff.account_security"))
