"""What is done to a case beyond its agreement: outside treatments, hold and resume, and
substitution of counsel (shown first: what the old firm loses, then done)."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from lienrx.auth import queries as auth_queries
from lienrx.case_documents.queries import active_authorization
from lienrx.cases import services as cases
from lienrx.cases.schemas import ExternalTreatmentCreateSchema, HoldSchema, TransferSchema
from lienrx.core import clock, forms
from lienrx.core.numbers import money
from lienrx.core.security import BILLING, PHARMACIST, require_roles
from lienrx.ledger.queries import case_balance
from lienrx.parties import queries as party_queries
from lienrx.staff import confirm
from lienrx.staff.blueprint import bp
from lienrx.staff.cases import case_page

TREATMENT_FIELDS = ("kind", "started_on", "ended_on", "facility", "protocol", "dose", "notes")


@bp.route("/cases/<int:case_id>/external-treatments", methods=["POST"])
@require_roles(PHARMACIST, BILLING)
def add_external_treatment(case_id: int) -> Any:
    """Record a treatment given elsewhere (an IV ketamine infusion, a nerve block): shown on
    the POGOS, never charged."""
    form = forms.Submission.load(ExternalTreatmentCreateSchema(),
                                 forms.read(TREATMENT_FIELDS, prefix="tx-"), prefix="tx-")
    if form.call(cases.add_external_treatment, current_user, case_id) is None:
        return case_page(case_id, treatment_form=form)
    flash("Outside treatment recorded.", "info")
    return redirect(url_for("staff.case", case_id=case_id, _anchor="h-treatments"))


def _hold_page(case_id: int, form: forms.Submission) -> Any:
    case = cases.read_case(current_user, case_id)
    return render_template("staff/case_hold.html", case=case, form=form), form.status


@bp.route("/cases/<int:case_id>/hold")
@require_roles(BILLING)
def hold(case_id: int) -> Any:
    """Ask why the case goes on hold."""
    return _hold_page(case_id, forms.blank(HoldSchema()))


@bp.route("/cases/<int:case_id>/hold", methods=["POST"])
@require_roles(BILLING)
def hold_case(case_id: int) -> Any:
    """Put the case on hold with a reason: nothing is charged to it until it is resumed."""
    form = forms.Submission.load(HoldSchema(), forms.read(("reason",)))
    if form.call(cases.hold_case, current_user, case_id) is None:
        return _hold_page(case_id, form)
    flash("The case is on hold; nothing is charged to it until it is resumed.", "info")
    return redirect(url_for("staff.case", case_id=case_id))


def _resume_page(case_id: int, form: forms.Submission) -> Any:
    case = cases.read_case(current_user, case_id)
    agreement = cases.active_agreement(case_id)
    return render_template("staff/case_resume.html", case=case, agreement=agreement,
                           form=form), form.status


@bp.route("/cases/<int:case_id>/resume")
@require_roles(BILLING)
def resume(case_id: int) -> Any:
    """Show what taking the case off hold does."""
    return _resume_page(case_id, forms.blank())


@bp.route("/cases/<int:case_id>/resume", methods=["POST"])
@require_roles(BILLING)
def resume_case(case_id: int) -> Any:
    """Take the case off hold: active with an agreement in force, else back to intake."""
    form = forms.blank()
    resumed = form.attempt(cases.resume_case, current_user, case_id)
    if resumed is None:
        return _resume_page(case_id, form)
    flash(f"The case is off hold and {resumed.status}.", "info")
    return redirect(url_for("staff.case", case_id=case_id))


def _substitution_page(case_id: int, form: forms.Submission) -> Any:
    case = cases.read_case(current_user, case_id)
    firms = [(f.id, f.name) for f in party_queries.law_firms() if f.id != case.law_firm_id]
    attorneys = [(u.id, f"{u.name} ({u.law_firm.name if u.law_firm else 'no firm'})")
                 for u in auth_queries.attorneys() if u.law_firm_id != case.law_firm_id]
    return render_template("staff/case_substitution.html", case=case, form=form, firms=firms,
                           attorneys=attorneys), form.status


@bp.route("/cases/<int:case_id>/substitution")
@require_roles(BILLING)
def substitution(case_id: int) -> Any:
    """Choose the firm substituted as counsel."""
    return _substitution_page(case_id, forms.blank(TransferSchema()))


def substitution_effects(change: cases.Substitution) -> list[str]:
    """In words, what the substitution does: what the old firm loses, what the new firm still
    needs, and what stays with the case."""
    old, new, case = change.from_firm.name, change.to_firm.name, change.case
    authorization = active_authorization(case.id, change.to_firm.id, clock.today())
    effects = [
        f"{old} loses access to this case at once: its attorneys no longer see the case, its "
        "ledger or its POGOS, in the portal or over the API.",
        f"The client's HIPAA authorization naming {old} does not carry over to {new}. "
        + (f"An authorization naming {new} is already on file." if authorization else
           f"{new} sees the client's records only once an authorization naming {new} is put "
           "on file."),
    ]
    if change.superseded is not None:
        effects.append(f"The lien agreement signed {change.superseded.signed_on.isoformat()} "
                       f"is superseded: nothing more is charged to the case until a new "
                       f"agreement with {new} is recorded.")
    else:
        effects.append(f"No agreement is in force: a lien agreement with {new} is needed "
                       "before anything is charged to the case.")
    if change.from_status != change.to_status:
        effects.append(f"The case goes from {change.from_status.replace('_', ' ')} back to "
                       f"{change.to_status}.")
    effects.append(f"{change.attorney.name} becomes attorney of record." if change.attorney
                   else f"No attorney of record is named at {new} yet.")
    effects.append(f"The history stays with the case: its fills, ledger and lien balance "
                   f"({money(case_balance(case.id))}) are unchanged.")
    return effects


@bp.route("/cases/<int:case_id>/substitution", methods=["POST"])
@require_roles(BILLING)
def substitute_counsel(case_id: int) -> Any:
    """First post: show what the substitution does, changing nothing; confirmed: do it."""
    form = forms.Submission.load(TransferSchema(), forms.read(
        ints=("law_firm_id", "attorney_user_id")))
    if not confirm.confirmed():
        change = form.call(cases.preview_transfer, current_user, case_id)
        if change is None:
            return _substitution_page(case_id, form)
        return confirm.page(
            title=f"Substitute {change.to_firm.name} for {change.from_firm.name} on case "
                  f"{case_id}?", effects=substitution_effects(change),
            action=url_for("staff.substitute_counsel", case_id=case_id),
            back=url_for("staff.substitution", case_id=case_id),
            button=f"Substitute {change.to_firm.name}")
    moved = form.call(cases.transfer_case, current_user, case_id)
    if moved is None:
        return _substitution_page(case_id, form)
    flash(f"Counsel substituted: the case is back in {moved.status} until a lien agreement "
          "with the new firm is recorded.", "info")
    return redirect(url_for("staff.case", case_id=case_id))
