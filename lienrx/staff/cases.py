"""Cases: the list by status, one case's page, and recording its lien agreement."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from lienrx.cases import rules as case_rules
from lienrx.cases import services as cases
from lienrx.cases.queries import with_balances
from lienrx.cases.schemas import LienAgreementCreateSchema
from lienrx.core import forms
from lienrx.core.errors import NotFound
from lienrx.core.paging import page_number, page_url
from lienrx.core.security import BILLING, PHARMACIST, TECHNICIAN, require_roles
from lienrx.dispensing import queries as dispensing_queries
from lienrx.ledger.queries import case_ledger
from lienrx.prescribing import queries as prescribing_queries
from lienrx.staff.blueprint import bp

READERS = (PHARMACIST, TECHNICIAN, BILLING)
PAGE_SIZE = 50


@bp.route("/cases")
@require_roles(*READERS)
def cases_list() -> Any:
    """List cases a page at a time (optionally one status, or matching the client's name or
    file number) with their lien balances."""
    status = request.args.get("status") or None
    if status not in (None, *case_rules.STATUSES):
        raise NotFound("No such status.")
    q = (request.args.get("q") or "").strip()
    found = cases.list_cases(current_user, page=page_number(request.args), page_size=PAGE_SIZE,
                             status=status, q=q)
    return render_template("staff/cases.html", cases=with_balances(found), page=found,
                           status=status, q=q, statuses=case_rules.STATUSES,
                           page_url=page_url)


def case_page(case_id: int, agreement_form: forms.Submission | None = None) -> Any:
    """Render one case: facts, agreement, prescriptions, fills and (P, B) the ledger."""
    case = with_balances([cases.read_case(current_user, case_id)])[0]
    ledger = case_ledger(case_id) if current_user.role in (PHARMACIST, BILLING) else None
    form = agreement_form or forms.blank(patient_signed="on", non_recourse="on")
    return render_template("staff/case.html", case=case, agreement=case.lien_agreement,
                           prescriptions=prescribing_queries.case_prescriptions(case_id),
                           dispenses=dispensing_queries.case_dispenses(case_id), ledger=ledger,
                           agreement_form=form), form.status


@bp.route("/cases/<int:case_id>")
@require_roles(*READERS)
def case(case_id: int) -> Any:
    """Show one case."""
    return case_page(case_id)


@bp.route("/cases/<int:case_id>/lien-agreement", methods=["POST"])
@require_roles(BILLING)
def record_lien_agreement(case_id: int) -> Any:
    """Record the signed lien agreement; the case becomes `active`."""
    data = forms.read(("signed_on", "document_sha256"), ints=("attorney_user_id",),
                      checks=("patient_signed", "non_recourse"))
    form = forms.Submission.load(LienAgreementCreateSchema(), data)
    if form.call(cases.record_lien_agreement, current_user, case_id) is None:
        return case_page(case_id, form)
    flash("Lien agreement recorded; the case is active.", "info")
    return redirect(url_for("staff.case", case_id=case_id))
