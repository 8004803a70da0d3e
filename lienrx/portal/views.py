"""The attorney portal's pages: the firm's cases, one case, its documents and requests.

Every page reads through other domains' services and queries; every case id is looked up
through ``cases.get_case``, so another firm's case is a 404 like a missing one, and a case
without the client's HIPAA authorization naming the firm shows a notice instead of its PHI.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from lienrx.attestations import certificate, html, pdf
from lienrx.attestations import services as attestations
from lienrx.attestations.layout import seal_for
from lienrx.cases import services as cases
from lienrx.cases.rules import CLOSED, CLOSED_NO_RECOVERY, CRPS_CODES, LEDGER
from lienrx.core import forms, unit_of_work
from lienrx.core.errors import AuthorizationRequired, Conflict, NotFound
from lienrx.core.paging import page_number
from lienrx.core.security import ATTORNEY, require_roles
from lienrx.dispensing import queries
from lienrx.ledger import export as ledger_export
from lienrx.ledger.queries import case_ledger
from lienrx.notifications import queries as notifications
from lienrx.notifications import services as notification_services
from lienrx.notifications.schemas import EmailPreferencesSchema
from lienrx.outbox.rules import EVENTS
from lienrx.reduction_requests import services as reduction_requests
from lienrx.reduction_requests.schemas import (
    ReductionRequestCreateSchema,
    ReductionRequestRespondSchema,
    show_value,
)
from lienrx.settlement import closing, letters, payoff, release

bp = Blueprint("portal", __name__, url_prefix="/portal")
LEDGER_PAGE = "ledger_page"  # the query argument naming the page of the case's ledger shown


def _actor() -> Any:
    return current_user._get_current_object()


def _quiet_after() -> int:
    return int(current_app.config["LIENRX_QUIET_LIEN_DAYS"])


def _filters() -> queries.ListFilters:
    args = request.args
    raw_page = args.get("page", "1")
    page = int(raw_page) if raw_page.isdigit() and 0 < int(raw_page) <= 100_000 else 1
    status = args.get("status", "")
    sort = args.get("sort", "")
    return queries.ListFilters(q=args.get("q", "")[:100],
                               status=status if status in queries.STATUS_FILTERS else "",
                               sort=sort if sort in queries.SORTS else "last_fill_desc",
                               page=page)


def _download(body: bytes, filename: str) -> Response:
    response = Response(body, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.errorhandler(AuthorizationRequired)
def authorization_needed(refusal: AuthorizationRequired) -> Any:
    """Any page of a case the firm is not authorized for: what is missing, not the PHI."""
    case = cases.get_listed_case(_actor(), refusal.case_id)
    return render_template("portal/authorization_needed.html", case=case,
                           label=queries.STATUS_LABELS[case.status]), refusal.status


@bp.route("/")
@require_roles(ATTORNEY)
def index() -> Any:
    """Show the firm's cases (search, filter, sort, pages) and what changed since last read."""
    filters = _filters()
    listing = queries.firm_case_list(_actor(), filters, quiet_after=_quiet_after())
    notes = notifications.notifications_for(current_user, quiet_after=_quiet_after())
    return render_template("portal/index.html", listing=listing, filters=filters, notes=notes,
                           statuses=queries.STATUS_FILTERS, labels=queries.STATUS_LABELS,
                           sorts=queries.SORTS)


@bp.route("/notifications/read", methods=["POST"])
@require_roles(ATTORNEY)
def mark_read() -> Any:
    """Mark every notification read (CSRFProtect has checked the form's token)."""
    notification_services.mark_read(_actor())
    flash("Notifications marked read.", "info")
    return redirect(url_for(".index"))


def _render_case(case: Any, form: forms.Submission, status: int = 200,
                 responses: dict[int, forms.Submission] | None = None) -> Any:
    ledger = case_ledger(case.id, page=page_number(request.args, LEDGER_PAGE))
    refills = queries.next_refills([case.id]).get(case.id, [])
    fills = queries.fill_timeline(case.id)
    page = render_template(
        "portal/case.html", case=case, label=queries.STATUS_LABELS[case.status],
        client=f"{case.patient.first_name} {case.patient.last_name}", balance=ledger.balance,
        totals=ledger.totals, ledger=ledger.entries, ledger_page=LEDGER_PAGE, fills=fills,
        refills=refills,
        last_fill=max((f.dispensed_on for f in fills if f.status == "dispensed"), default=None),
        next_due=min((r.due for r in refills), default=None),
        attestation=attestations.latest(case.id),
        statements=payoff.statements(current_user, case.id),
        requests=reduction_requests.requests_for_case(current_user, case.id),
        released=case.status == CLOSED, unrecovered=case.status == CLOSED_NO_RECOVERY,
        w9=letters.w9_on_file(), crps=CRPS_CODES, show_value=show_value, form=form,
        responses=responses or {})
    return page, status


@bp.route("/cases/<int:case_id>")
@require_roles(ATTORNEY)
def case_page(case_id: int) -> Any:
    """Show one case: balance, fills, ledger, documents and reduction requests (audited)."""
    return _render_case(cases.read_case(_actor(), case_id),
                        forms.blank(ReductionRequestCreateSchema(), method="amount"))


@bp.route("/cases/<int:case_id>/ledger.csv")
@require_roles(ATTORNEY)
def ledger_csv(case_id: int) -> Any:
    """Download every entry of the case's ledger as CSV (audited like the case page)."""
    case = cases.read_case(_actor(), case_id, disclosing=LEDGER)
    return ledger_export.csv_response(case.id)


def _latest_pogos(case_id: int) -> Any:
    case = cases.get_case(_actor(), case_id)
    newest = attestations.latest(case.id)
    if newest is None:
        raise NotFound("No POGOS has been signed for this case yet.")
    return attestations.get_attestation(_actor(), newest.id, purpose="rendered")


@bp.route("/cases/<int:case_id>/pogos.html")
@require_roles(ATTORNEY)
def pogos_html(case_id: int) -> Any:
    """The latest signed POGOS as a print-ready page."""
    attestation = _latest_pogos(case_id)
    body, policy = html.render_attestation(attestation.document, seal_for(attestation))
    response = Response(body, mimetype="text/html")
    response.headers["Content-Security-Policy"] = policy
    return response


@bp.route("/cases/<int:case_id>/pogos.pdf")
@require_roles(ATTORNEY)
def pogos_pdf(case_id: int) -> Any:
    """Download the latest signed POGOS as a PDF."""
    attestation = _latest_pogos(case_id)
    body = pdf.render_attestation(attestation.document, seal_for(attestation))
    return _download(body, f"pogos-case-{case_id}-v{attestation.version}.pdf")


@bp.route("/cases/<int:case_id>/custodian-certificate.pdf")
@require_roles(ATTORNEY)
def custodian_certificate(case_id: int) -> Any:
    """Download the records-custodian certificate for the case's dispense log."""
    facts = attestations.custodian_certificate(_actor(), case_id)
    body = certificate.render_custodian_certificate(facts)
    return _download(body, f"custodian-certificate-case-{case_id}.pdf")


def _letter_page(letter: letters.Letter, pdf_url: str) -> Response:
    """The letter standalone with its policy; the way back and the PDF sit outside it."""
    back = url_for(".case_page", case_id=letter.regarding.case_id) + "#documents"
    rendered = letters.render(letter, nav=[(back, f"← Back to {letter.regarding.client}"),
                                           (pdf_url, "Download PDF")])
    response = Response(rendered.html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = rendered.policy
    return response


@bp.route("/cases/<int:case_id>/release-letter.html")
@require_roles(ATTORNEY)
def release_letter_page(case_id: int) -> Any:
    """The case's lien release letter, to read and print (issued when the case closes paid)."""
    return _letter_page(release.letter(_actor(), case_id),
                        url_for(".release_letter", case_id=case_id))


@bp.route("/cases/<int:case_id>/release-letter.pdf")
@require_roles(ATTORNEY)
def release_letter(case_id: int) -> Any:
    """Download the case's lien release letter (issued when the case closes paid)."""
    letter = release.letter(_actor(), case_id)
    return _download(letters.to_pdf(letter), letter.filename)


@bp.route("/cases/<int:case_id>/closing-letter.html")
@require_roles(ATTORNEY)
def closing_letter_page(case_id: int) -> Any:
    """The case's no-recovery closing letter, to read and print."""
    return _letter_page(closing.letter(_actor(), case_id),
                        url_for(".closing_letter", case_id=case_id))


@bp.route("/cases/<int:case_id>/closing-letter.pdf")
@require_roles(ATTORNEY)
def closing_letter(case_id: int) -> Any:
    """Download the case's no-recovery closing letter."""
    letter = closing.letter(_actor(), case_id)
    return _download(letters.to_pdf(letter), letter.filename)


@bp.route("/w9.pdf")
@require_roles(ATTORNEY)
def pharmacy_w9() -> Any:
    """Download the pharmacy's Form W-9."""
    return _download(letters.w9(), "w9.pdf")


@bp.route("/cases/<int:case_id>/payoff-statements", methods=["POST"])
@require_roles(ATTORNEY)
def request_payoff(case_id: int) -> Any:
    """Issue a fresh payoff statement and show it."""
    cases.get_case(_actor(), case_id)
    try:
        statement = unit_of_work.attempt(payoff.issue_statement, _actor(), case_id)
    except Conflict as refusal:
        flash(refusal.detail, "error")
        return redirect(url_for(".case_page", case_id=case_id) + "#documents")
    return redirect(url_for(".payoff_statement", case_id=case_id, statement_id=statement.id))


@bp.route("/cases/<int:case_id>/payoff-statements/<int:statement_id>")
@require_roles(ATTORNEY)
def payoff_statement(case_id: int, statement_id: int) -> Any:
    """One payoff statement as the letter, to read and print: the amount, valid-through date,
    breakdown and lines, stamped VOID once the ledger moved."""
    letter = payoff.statement_letter(_actor(), statement_id, case_id=case_id)
    return _letter_page(letter, url_for(".payoff_statement_pdf", case_id=case_id,
                                        statement_id=statement_id))


@bp.route("/cases/<int:case_id>/payoff-statements/<int:statement_id>.pdf")
@require_roles(ATTORNEY)
def payoff_statement_pdf(case_id: int, statement_id: int) -> Any:
    """Download one payoff statement as a PDF letter."""
    letter = payoff.statement_letter(_actor(), statement_id, case_id=case_id)
    return _download(letters.to_pdf(letter), letter.filename)


@bp.route("/cases/<int:case_id>/reduction-requests", methods=["POST"])
@require_roles(ATTORNEY)
def request_reduction(case_id: int) -> Any:
    """File a reduction request from the form; show its acknowledgment number."""
    case = cases.get_case(_actor(), case_id)
    form = forms.Submission.load(ReductionRequestCreateSchema(),
                                 forms.read(("method", "value", "reason")))
    filed = form.call(reduction_requests.file_request, _actor(), case.id)
    if filed is None:
        return _render_case(cases.read_case(_actor(), case_id), form, form.status)
    number = filed.acknowledgment_number
    flash(f"Reduction request {number} received; billing will answer it here.", "info")
    return redirect(url_for(".case_page", case_id=case_id) + "#reduction")


@bp.route("/cases/<int:case_id>/reduction-requests/<int:request_id>/respond",
          methods=["POST"])
@require_roles(ATTORNEY)
def respond_to_counter(case_id: int, request_id: int) -> Any:
    """Accept billing's counter (posts the reduction) or counter it with a dollar amount."""
    case = cases.get_case(_actor(), case_id)
    if reduction_requests.get_request(_actor(), request_id).case_id != case.id:
        raise NotFound("No such reduction request.")
    prefix = f"rr{request_id}-"
    form = forms.Submission.load(ReductionRequestRespondSchema(),
                                 forms.read(("action", "amount", "note"), prefix=prefix),
                                 prefix=prefix)
    answered = form.call(reduction_requests.respond, _actor(), request_id)
    if answered is None:
        return _render_case(cases.read_case(_actor(), case_id),
                            forms.blank(ReductionRequestCreateSchema(), method="amount"),
                            form.status, responses={request_id: form})
    done = ("accepted; the reduction is posted" if answered.status == "accepted"
            else "countered; billing will answer it here")
    flash(f"Reduction request {answered.acknowledgment_number} {done}.", "info")
    return redirect(url_for(".case_page", case_id=case_id) + "#reduction")


@bp.route("/notifications/preferences", methods=["GET", "POST"])
@require_roles(ATTORNEY)
def email_preferences() -> Any:
    """Show, and save, which events the attorney is e-mailed about (CSRF-checked form)."""
    form = None
    if request.method == "POST":
        form = forms.Submission.load(EmailPreferencesSchema(), forms.read(checks=EVENTS))
        if form.call(notification_services.set_preferences, _actor()) is not None:
            flash("E-mail preferences saved.", "info")
            return redirect(url_for(".email_preferences"))
    return render_template("portal/preferences.html", events=EVENTS, form=form,
                           chosen=notification_services.email_preferences(_actor())
                           ), form.status if form else 200
