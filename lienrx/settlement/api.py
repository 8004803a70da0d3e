"""Settlement API: payoffs, the settlement, reductions, payments, write-offs, closing."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask_login import current_user

from lienrx.core.api import ApiBlueprint, paged
from lienrx.core.idempotency import idempotent
from lienrx.core.security import ATTORNEY, BILLING, require_roles
from lienrx.settlement import closing, letters, payoff, release, services
from lienrx.settlement.schemas import (
    ClosedSchema,
    CloseSchema,
    PaymentCreateSchema,
    PaymentSchema,
    PayoffQuoteSchema,
    PayoffStatementSchema,
    PostedSchema,
    PreviewArgs,
    PreviewSchema,
    ReductionCreateSchema,
    ReductionSchema,
    SettlementCreateSchema,
    SettlementSchema,
    WriteOffCreateSchema,
)

blp = ApiBlueprint("settlement_api", __name__, description="Payoffs, settlements and closing")


@blp.route("/cases/<int:case_id>/payoff", methods=["GET"])
@require_roles(BILLING, ATTORNEY)
@blp.response(200, PayoffQuoteSchema)
def get_payoff(case_id: int) -> Any:
    """Quote the payoff now (computed; nothing is stored)."""
    quote = payoff.quote(current_user, case_id)
    return quote


@blp.route("/cases/<int:case_id>/payoff-statements", methods=["POST"])
@require_roles(BILLING, ATTORNEY)
@blp.response(201, PayoffStatementSchema)
def issue_payoff_statement(case_id: int) -> Any:
    """Issue and store a payoff statement; a later ledger entry voids it."""
    statement = payoff.issue_statement(current_user, case_id)
    return statement


@blp.route("/cases/<int:case_id>/payoff-statements", methods=["GET"])
@require_roles(BILLING, ATTORNEY)
@blp.response(200, PayoffStatementSchema(many=True))
@blp.paginate()
def list_payoff_statements(case_id: int, pagination_parameters: Any) -> Any:
    """The statements issued on a case, newest first, each with its status now."""
    found = payoff.statements(current_user, case_id, page=pagination_parameters.page,
                              page_size=pagination_parameters.page_size)
    return paged(found, pagination_parameters)


@blp.route("/cases/<int:case_id>/settlement", methods=["POST"])
@require_roles(BILLING)
@blp.arguments(SettlementCreateSchema)
@blp.response(201, SettlementSchema)
def record_settlement(body: dict[str, Any], case_id: int) -> Any:
    """Record the settlement; the case becomes `settled`."""
    settlement = services.record_settlement(current_user, case_id, **body)
    return settlement


@blp.route("/cases/<int:case_id>/settlement-preview", methods=["GET"])
@require_roles(BILLING, ATTORNEY)
@blp.arguments(PreviewArgs, location="query")
@blp.response(200, PreviewSchema)
def settlement_preview(args: dict[str, Any], case_id: int) -> Any:
    """What-if: the lien and the client's net under each method; posts nothing."""
    return services.preview(current_user, case_id, **args)


@blp.route("/cases/<int:case_id>/reductions", methods=["POST"])
@require_roles(BILLING)
@idempotent
@blp.arguments(ReductionCreateSchema)
@blp.response(201, ReductionSchema)
def reduce_lien(body: dict[str, Any], case_id: int) -> Any:
    """Post a reduction (amount, percent, final, pro_rata or cap) with its reason."""
    return services.reduce_lien(current_user, case_id, **body)  # @idempotent commits


@blp.route("/cases/<int:case_id>/payments", methods=["POST"])
@require_roles(BILLING)
@idempotent
@blp.arguments(PaymentCreateSchema)
@blp.response(201, PaymentSchema)
def record_payment(body: dict[str, Any], case_id: int) -> Any:
    """Post a payment; an overpayment books a refund owed."""
    return services.record_payment(current_user, case_id, **body)  # @idempotent commits


@blp.route("/cases/<int:case_id>/write-offs", methods=["POST"])
@require_roles(BILLING)
@idempotent
@blp.arguments(WriteOffCreateSchema)
@blp.response(201, PostedSchema)
def write_off(body: dict[str, Any], case_id: int) -> Any:
    """Write off part of the balance, or all of it."""
    return services.write_off(current_user, case_id, **body)  # @idempotent commits


@blp.route("/cases/<int:case_id>/close", methods=["POST"])
@require_roles(BILLING)
@blp.arguments(CloseSchema)
@blp.response(200, ClosedSchema)
def close_case(body: dict[str, Any], case_id: int) -> Any:
    """Close a case: paid (release letter) or no recovery (non-recourse write-off)."""
    closed = services.close_case(current_user, case_id, **body)
    return closed


_BINARY = {"schema": {"type": "string", "format": "binary"}}
_HTML = {"schema": {"type": "string"}}


def _html(letter: letters.Letter) -> Response:
    rendered = letters.render(letter)
    response = Response(rendered.html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = rendered.policy
    return response


def _pdf(letter: letters.Letter) -> Response:
    return Response(letters.to_pdf(letter), mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{letter.filename}"'})


def _documented(description: str, content_type: str) -> Any:
    content = {content_type: _BINARY if content_type == "application/pdf" else _HTML}
    return blp.doc(responses={"200": {"description": description, "content": content}})


@blp.route("/payoff-statements/<int:statement_id>.html", methods=["GET"])
@require_roles(BILLING, ATTORNEY)
@blp.response(200, content_type="text/html")
@_documented("The payoff statement as a letter to the firm, stamped VOID once the lien's "
             "ledger moved after it.", "text/html")
def payoff_statement_html(statement_id: int) -> Any:
    """A payoff statement as a letter (HTML)."""
    return _html(payoff.statement_letter(current_user, statement_id))


@blp.route("/payoff-statements/<int:statement_id>.pdf", methods=["GET"])
@require_roles(BILLING, ATTORNEY)
@blp.response(200, content_type="application/pdf")
@_documented("The payoff statement as a PDF letter.", "application/pdf")
def payoff_statement_pdf(statement_id: int) -> Any:
    """A payoff statement as a letter (PDF)."""
    return _pdf(payoff.statement_letter(current_user, statement_id))


@blp.route("/cases/<int:case_id>/release-letter.html", methods=["GET"])
@require_roles(BILLING, ATTORNEY)
@blp.response(200, content_type="text/html")
@_documented("The lien release letter (issued when the case closed paid).", "text/html")
def release_letter_html(case_id: int) -> Any:
    """The case's release letter as HTML."""
    return _html(release.letter(current_user, case_id))


@blp.route("/cases/<int:case_id>/release-letter.pdf", methods=["GET"])
@require_roles(BILLING, ATTORNEY)
@blp.response(200, content_type="application/pdf")
@_documented("The lien release letter as a PDF.", "application/pdf")
def release_letter_pdf(case_id: int) -> Any:
    """The case's release letter as PDF."""
    return _pdf(release.letter(current_user, case_id))


@blp.route("/cases/<int:case_id>/closing-letter.html", methods=["GET"])
@require_roles(BILLING, ATTORNEY)
@blp.response(200, content_type="text/html")
@_documented("The no-recovery closing letter; a case not closed without recovery is a 409 "
             "`case_not_closed_without_recovery`.", "text/html")
def closing_letter_html(case_id: int) -> Any:
    """The case's no-recovery closing letter as HTML."""
    return _html(closing.letter(current_user, case_id))


@blp.route("/cases/<int:case_id>/closing-letter.pdf", methods=["GET"])
@require_roles(BILLING, ATTORNEY)
@blp.response(200, content_type="application/pdf")
@_documented("The no-recovery closing letter as a PDF.", "application/pdf")
def closing_letter_pdf(case_id: int) -> Any:
    """The case's no-recovery closing letter as PDF."""
    return _pdf(closing.letter(current_user, case_id))


@blp.route("/pharmacy/w9.pdf", methods=["GET"])
@require_roles(BILLING, ATTORNEY)
@blp.response(200, content_type="application/pdf")
@_documented("The pharmacy's IRS Form W-9; 404 `w9_not_on_file` when none is configured.",
             "application/pdf")
def pharmacy_w9() -> Any:
    """The pharmacy's Form W-9 (LIENRX_W9_PATH)."""
    return Response(letters.w9(), mimetype="application/pdf", headers={
        "Content-Disposition": 'inline; filename="w9.pdf"'})
