"""User administration (admins only): the list, a new account, a user's role, firm and
password, and deactivation after a confirmation."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from lienrx.auth import admin, services
from lienrx.auth.schemas import PasswordResetSchema, UserCreateSchema, UserRoleSchema
from lienrx.cases import queries as case_queries
from lienrx.core import forms
from lienrx.core.errors import NotFound
from lienrx.core.paging import page_number, page_url
from lienrx.core.security import ADMIN, ATTORNEY, ROLES, require_roles
from lienrx.parties import queries as party_queries
from lienrx.staff.blueprint import bp

PAGE_SIZE = 50
ROLE_NAMES = {"admin": "Admin", "pharmacist": "Pharmacist", "technician": "Technician",
              "billing": "Billing", "attorney": "Attorney"}
ROLE_OPTIONS = [(role, ROLE_NAMES[role]) for role in ROLES]


def _firm_options() -> list[tuple[int, str]]:
    return [(firm.id, firm.name) for firm in party_queries.law_firms()]


@bp.route("/users")
@require_roles(ADMIN)
def users() -> Any:
    """Every account a page at a time, by name; search by name or e-mail, filter by role."""
    role = request.args.get("role") or None
    if role not in (None, *ROLES):
        raise NotFound("No such role.")
    q = (request.args.get("q") or "").strip()
    found = admin.list_users(page=page_number(request.args), page_size=PAGE_SIZE, q=q,
                             role=role)
    return render_template("staff/users.html", users=found, page=found, q=q, role=role,
                           roles=ROLE_OPTIONS, role_names=ROLE_NAMES, page_url=page_url)


def _new_user_page(form: forms.Submission) -> Any:
    return render_template("staff/user_new.html", form=form, roles=ROLE_OPTIONS,
                           firms=_firm_options()), form.status


@bp.route("/users/new", methods=["GET", "POST"])
@require_roles(ADMIN)
def new_user() -> Any:
    """Create an account with a first password the admin hands over."""
    if request.method == "GET":
        return _new_user_page(forms.blank(UserCreateSchema()))
    data = forms.read(("email", "name", "role", "license_number"), ints=("law_firm_id",))
    if request.form.get("password"):
        data["password"] = request.form["password"]  # as typed: spaces are part of it
    shown = {k: v for k, v in request.form.to_dict().items() if k != "password"}
    form = forms.Submission.load(UserCreateSchema(), data, raw=shown)
    user = form.call(services.create_user, current_user)
    if user is None:
        return _new_user_page(form)
    flash(f"Account created for {user.name}. Give them the password in person or by phone, "
          "not by e-mail.", "info")
    return redirect(url_for("staff.user", user_id=user.id))


def user_page(user_id: int, *, role_form: forms.Submission | None = None,
              password_form: forms.Submission | None = None,
              deactivate_form: forms.Submission | None = None,
              confirming: bool = False) -> Any:
    """Render one account: its facts and the forms that change it."""
    user = admin.get_user(user_id)
    role_form = role_form or forms.Submission(
        {"role-role": user.role, "role-law_firm_id": user.law_firm_id or ""}, prefix="role-",
        schema=UserRoleSchema())
    password_form = password_form or forms.Submission(prefix="pw-", schema=PasswordResetSchema())
    naming = (case_queries.count_naming_attorney(user.id, user.law_firm_id)
              if user.role == ATTORNEY and user.law_firm_id is not None else 0)
    status = max(role_form.status, password_form.status,
                 deactivate_form.status if deactivate_form else 200)
    return render_template(
        "staff/user.html", user=user, role_names=ROLE_NAMES, roles=ROLE_OPTIONS,
        firms=_firm_options(), role_form=role_form, password_form=password_form,
        deactivate_form=deactivate_form, confirming=confirming, cases_naming=naming,
        is_self=user.id == current_user.id), status


@bp.route("/users/<int:user_id>")
@require_roles(ADMIN)
def user(user_id: int) -> Any:
    """One account: role, firm, state and last sign-in, and what an admin may change."""
    return user_page(user_id)


@bp.route("/users/<int:user_id>/role", methods=["POST"])
@require_roles(ADMIN)
def change_user_role(user_id: int) -> Any:
    """Change the role (and an attorney's firm); the user signs in again."""
    data = forms.read(("role",), ints=("law_firm_id",), prefix="role-")
    form = forms.Submission.load(UserRoleSchema(), data, prefix="role-")
    changed = form.call(admin.change_role, current_user, user_id)
    if changed is None:
        return user_page(user_id, role_form=form)
    firm = f" at {changed.law_firm.name}" if changed.law_firm is not None else ""
    flash(f"{changed.name} is now {ROLE_NAMES[changed.role]}{firm}; their sessions and "
          "tokens ended, so they sign in again.", "info")
    return redirect(url_for("staff.user", user_id=user_id))


@bp.route("/users/<int:user_id>/password", methods=["POST"])
@require_roles(ADMIN)
def reset_user_password(user_id: int) -> Any:
    """Set a new password the admin hands over; the user's sessions and tokens end."""
    data = {"password": request.form["pw-password"]} if request.form.get("pw-password") else {}
    form = forms.Submission.load(PasswordResetSchema(), data, raw={}, prefix="pw-")
    changed = form.call(admin.reset_password, current_user, user_id)
    if changed is None:
        return user_page(user_id, password_form=form)
    flash(f"New password set for {changed.name}; their sessions and tokens ended. Give them "
          "the password in person or by phone, not by e-mail.", "info")
    return redirect(url_for("staff.user", user_id=user_id))


@bp.route("/users/<int:user_id>/deactivate", methods=["GET", "POST"])
@require_roles(ADMIN)
def deactivate_user(user_id: int) -> Any:
    """Ask first (what deactivation does), then deactivate: sign-in, sessions and tokens end."""
    if request.method == "GET":
        return user_page(user_id, confirming=True)
    form = forms.blank()
    done = form.attempt(services.deactivate_user, current_user, user_id)
    if done is None:
        return user_page(user_id, deactivate_form=form, confirming=True)
    flash(f"{done.name} is deactivated: they can no longer sign in, and their sessions and "
          "tokens have ended.", "info")
    return redirect(url_for("staff.user", user_id=user_id))
