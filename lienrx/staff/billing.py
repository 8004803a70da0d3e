"""The billing desk: cases by status, the settlement page with the what-if calculator and
every money action, attorneys' reduction requests, and the reconciliation export."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from lienrx.cases import queries as case_queries
from lienrx.cases import rules as case_rules
from lienrx.cases import services as cases
from lienrx.cases.queries import with_balances
from lienrx.core import forms
from lienrx.core.errors import NotFound
from lienrx.core.idempotency import claim_submission, submission_used
from lienrx.core.paging import page_number, page_url
from lienrx.core.security import ADMIN, BILLING, require_roles
from lienrx.exports.download import spool_reconciliation, xlsx_response
from lienrx.exports.reconciliation import CONTENTS, SIGNS, TOTALS, Filters
from lienrx.exports.schemas import ReconciliationArgs
from lienrx.parties import queries as party_queries
from lienrx.reduction_requests import rules as request_rules
from lienrx.reduction_requests import services as reduction_requests
from lienrx.reduction_requests.schemas import ReductionRequestAnswerSchema, show_value
from lienrx.settlement import letters, payoff, rules, services
from lienrx.settlement import queries as settlement_queries
from lienrx.settlement.schemas import (
    CloseSchema,
    PaymentCreateSchema,
    PreviewArgs,
    ReductionCreateSchema,
    SettlementCreateSchema,
    WriteOffCreateSchema,
)
from lienrx.staff import confirm, effects
from lienrx.staff.blueprint import bp

PAGE_SIZE = 50
WHAT_IF = ("gross", "attorney_fees", "costs", "percent", "cap_percent", "amount", "final")
# form name -> (schema, text fields, checkbox fields, service, done message)
MONEY_FORMS: dict[str, tuple[Any, tuple[str, ...], tuple[str, ...], Any, str]] = {
    "settle": (SettlementCreateSchema, ("settled_on", "gross_amount", "attorney_fees", "costs"),
               (), services.record_settlement, "Settlement recorded; the case is settled."),
    "reduce": (ReductionCreateSchema, ("method", "value", "reason"), (), services.reduce_lien,
               "Reduction posted."),
    "pay": (PaymentCreateSchema, ("amount", "received_on", "reference"),
            ("allow_overpayment",), services.record_payment, "Payment posted."),
    "writeoff": (WriteOffCreateSchema, ("amount", "reason"), (), services.write_off,
                 "Write-off posted."),
    "close": (CloseSchema, ("outcome", "reason"), (), services.close_case, "Case closed."),
}

# money actions confirmed in a second step: (preview service, its effects in words)
CONFIRMED: dict[str, tuple[Any, Any]] = {
    "writeoff": (services.preview_write_off, effects.write_off),
    "close": (services.preview_close, effects.close),
}


def _desk(status: str | None, answers: dict[int, forms.Submission] | None = None) -> Any:
    if status not in (None, *case_rules.STATUSES):
        raise NotFound("No such status.")
    args = request.args
    q, rr_q = (args.get("q") or "").strip(), (args.get("rr_q") or "").strip()
    rr_status = args.get("rr_status") or request_rules.PENDING
    if rr_status not in request_rules.STATUSES:
        raise NotFound("No such request status.")
    found = cases.list_cases(current_user, page=page_number(args), page_size=PAGE_SIZE,
                             status=status, q=q)
    pending = reduction_requests.list_requests(current_user, status=rr_status, q=rr_q,
                                               page=page_number(args, "rr_page"),
                                               page_size=PAGE_SIZE)
    answers = answers or {}
    failed = [f.status for f in answers.values() if f.status != 200]
    return render_template(
        "staff/billing.html", cases=with_balances(found), page=found, status=status, q=q,
        statuses=case_rules.STATUSES, counts=case_queries.status_counts(), pending=pending,
        rr_q=rr_q, rr_status=rr_status, rr_statuses=request_rules.STATUSES, answers=answers,
        show_value=show_value, page_url=page_url), (failed[0] if failed else 200)


@bp.route("/billing/")
@require_roles(BILLING)
def billing() -> Any:
    """Show cases by status with balances and the reduction requests to answer."""
    return _desk(request.args.get("status") or None)


@bp.route("/billing/reduction-requests/<int:request_id>/answer", methods=["POST"])
@require_roles(BILLING)
def answer_reduction_request(request_id: int) -> Any:
    """Accept, counter or decline an attorney's reduction request."""
    prefix = f"rr{request_id}-"
    form = forms.Submission.load(ReductionRequestAnswerSchema(),
                                 forms.read(("decision", "note", "value"), prefix=prefix),
                                 prefix=prefix)
    answered = form.call(reduction_requests.answer_request, current_user, request_id)
    if answered is None:
        return _desk(None, {request_id: form})
    flash(f"Request {answered.acknowledgment_number} {answered.status}.", "info")
    return redirect(url_for("staff.billing"))


def settlement_page(case_id: int, forms_: dict[str, forms.Submission] | None = None) -> Any:
    """Render the settlement page: balance, totals, what-if and the money forms."""
    forms_ = forms_ or {}
    case = with_balances([cases.read_case(current_user, case_id)])[0]
    what_if = _what_if(case_id)
    totals = settlement_queries.case_totals(case_id)
    statements = payoff.statements(current_user, case_id)
    for name in (*MONEY_FORMS, "payoff"):
        forms_.setdefault(name, forms.Submission(prefix=f"{name}-"))
    failed = [f.status for f in forms_.values() if f.status != 200]
    status = failed[0] if failed else what_if[0].status
    return render_template(
        "staff/settlement.html", case=case, totals=totals, what_if=what_if, f=forms_,
        settlement=settlement_queries.settlement_of(case_id), statements=statements,
        methods=[(m, m.replace("_", " ")) for m in rules.REDUCTION_METHODS],
        outcomes=[(o, o.replace("_", " ")) for o in rules.CLOSE_OUTCOMES],
        requests=reduction_requests.requests_for_case(current_user, case_id),
        w9=letters.w9_on_file(), show_value=show_value), status


def _what_if(case_id: int) -> tuple[forms.Submission, Any]:
    """The calculator's form (GET arguments) and its scenarios when gross is given."""
    raw = {f"wi-{k}": (request.args.get(f"wi-{k}") or "").strip() for k in WHAT_IF}
    if not raw["wi-gross"]:
        return forms.Submission(raw, "wi-"), None
    data = {k: raw[f"wi-{k}"] for k in WHAT_IF if raw[f"wi-{k}"]}
    form = forms.Submission.load(PreviewArgs(), data, raw=raw, prefix="wi-")
    return form, form.call(services.preview, current_user, case_id)


@bp.route("/billing/cases/<int:case_id>")
@require_roles(BILLING)
def settlement(case_id: int) -> Any:
    """Show the case's settlement page (with the what-if when gross is given)."""
    return settlement_page(case_id)


@bp.route("/billing/cases/<int:case_id>/<any(settle, reduce, pay, writeoff, close):action>",
          methods=["POST"])
@require_roles(BILLING)
def money_action(case_id: int, action: str) -> Any:
    """Post a settlement, reduction, payment or write-off, or close the case."""
    if submission_used():
        return _already_posted(case_id)
    schema, names, checks, service, done = MONEY_FORMS[action]
    prefix = f"{action}-"
    form = forms.Submission.load(schema(), forms.read(names, checks=checks, prefix=prefix),
                                 prefix=prefix)
    if action in CONFIRMED and not confirm.confirmed():
        preview, said = CONFIRMED[action]
        found = form.call(preview, current_user, case_id)
        if found is None:
            return settlement_page(case_id, {action: form})
        title, effects_ = said(found, (form.values or {}).get("reason"))
        return confirm.page(title=title, effects=effects_,
                            action=url_for("staff.money_action", case_id=case_id,
                                           action=action),
                            back=url_for("staff.settlement", case_id=case_id),
                            button="Write off" if action == "writeoff" else "Close the case")
    if form.call(service, current_user, case_id) is None:
        return settlement_page(case_id, {action: form})
    if not claim_submission():
        return _already_posted(case_id)
    flash(done, "info")
    return redirect(url_for("staff.settlement", case_id=case_id))


def _already_posted(case_id: int) -> Any:
    flash("That form was already submitted; nothing was posted twice.", "info")
    return redirect(url_for("staff.settlement", case_id=case_id))


@bp.route("/billing/cases/<int:case_id>/payoff", methods=["POST"])
@require_roles(BILLING)
def issue_payoff(case_id: int) -> Any:
    """Issue a payoff statement valid through the configured date."""
    form = forms.Submission(prefix="payoff-")
    statement = form.attempt(payoff.issue_statement, current_user, case_id)
    if statement is None:
        return settlement_page(case_id, {"payoff": form})
    flash(f"Payoff statement issued: balance due through {statement.valid_through}.", "info")
    return redirect(url_for("staff.settlement", case_id=case_id))


@bp.route("/billing/export")
@require_roles(BILLING, ADMIN)
def export() -> Any:
    """Show the reconciliation filters, what they cover and what the workbook holds; with
    ``download`` send the workbook."""
    firms = [(firm.id, firm.name) for firm in party_queries.law_firms()]
    raw = {k: v.strip() for k, v in request.args.items() if k != "download"}
    form = forms.Submission.load(ReconciliationArgs(), {k: v for k, v in raw.items() if v},
                                 raw=raw)
    filters = Filters(**(form.values or {})) if form.ok else None
    if "download" not in request.args or filters is None:
        return render_template(
            "staff/export.html", form=form, firms=firms,
            statuses=[(s, s) for s in case_rules.STATUSES],
            covers=filters.described() if filters else None, contents=CONTENTS,
            notes=(SIGNS, TOTALS)), form.status
    return xlsx_response(spool_reconciliation(current_user, filters))
