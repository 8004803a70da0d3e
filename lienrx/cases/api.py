"""Cases API: open, list and read cases; agreements, outside treatments, counsel changes."""

from __future__ import annotations

from typing import Any

from flask_login import current_user

from lienrx.case_documents import services as documents
from lienrx.case_documents.schemas import LienAgreementWithDocumentSchema
from lienrx.cases import services
from lienrx.cases.queries import with_balances
from lienrx.cases.rules import LEDGER
from lienrx.cases.schemas import (
    AttorneyCaseLedgerSchema,
    AttorneyCaseSchema,
    CaseCreateSchema,
    CaseLedgerSchema,
    CaseListArgs,
    CaseSchema,
    ExternalTreatmentCreateSchema,
    ExternalTreatmentSchema,
    HoldSchema,
    LienAgreementSchema,
    SuitFiledSchema,
    TransferSchema,
)
from lienrx.core.api import ApiBlueprint, paged
from lienrx.core.security import ATTORNEY, BILLING, PHARMACIST, TECHNICIAN, require_roles
from lienrx.ledger import export as ledger_export
from lienrx.ledger import queries as ledger_queries

blp = ApiBlueprint("cases_api", __name__, description="Cases and lien agreements")


@blp.route("/cases", methods=["POST"])
@require_roles(BILLING, PHARMACIST)
@blp.arguments(CaseCreateSchema)
@blp.response(201, CaseSchema)
def open_case(body: dict[str, Any]) -> Any:
    """Open a case (status `intake`)."""
    case = services.open_case(current_user, **body)
    return with_balances([case])[0]


@blp.route("/cases", methods=["GET"])
@require_roles(PHARMACIST, TECHNICIAN, BILLING, ATTORNEY)
@blp.arguments(CaseListArgs, location="query")
@blp.role_response(200, CaseSchema(many=True), attorney=AttorneyCaseSchema(many=True))
@blp.paginate()
def list_cases(args: dict[str, Any], pagination_parameters: Any) -> Any:
    """Cases visible to the caller (attorneys: their own firm's only, a case without a HIPAA
    authorization naming the firm as `id`, `firm_file_number` and `status`), a page at a
    time."""
    cases = services.list_cases(current_user, page=pagination_parameters.page,
                                page_size=pagination_parameters.page_size, **args)
    shown = services.disclosed_ids(current_user, list(cases.items))
    return paged(cases, pagination_parameters, with_balances(cases, disclosed=shown))


@blp.route("/cases/<int:case_id>", methods=["GET"])
@require_roles(PHARMACIST, TECHNICIAN, BILLING, ATTORNEY)
@blp.role_response(200, CaseSchema, attorney=AttorneyCaseSchema)
def get_case(case_id: int) -> Any:
    """One case with its balance (a PHI read: audited)."""
    case = services.read_case(current_user, case_id)
    view = with_balances([case])[0]
    return view


@blp.route("/cases/<int:case_id>/ledger", methods=["GET"])
@require_roles(PHARMACIST, BILLING, ATTORNEY)
@blp.role_response(200, CaseLedgerSchema, attorney=AttorneyCaseLedgerSchema)
@blp.paginate()
def case_ledger(case_id: int, pagination_parameters: Any) -> Any:
    """The case's lien ledger: balance and totals by kind over every entry, and a page of the
    entries (signed amounts) in posting order; the count of all entries is in the paging
    headers. The whole ledger is `GET /cases/{id}/ledger.csv`."""
    case = services.read_case(current_user, case_id, disclosing=LEDGER)
    ledger = ledger_queries.case_ledger(case.id, page=pagination_parameters.page,
                                        page_size=pagination_parameters.page_size)
    pagination_parameters.item_count = ledger.entries.total
    return ledger


@blp.route("/cases/<int:case_id>/ledger.csv", methods=["GET"])
@require_roles(PHARMACIST, BILLING, ATTORNEY)
@blp.response(200, content_type=ledger_export.CSV)
def case_ledger_csv(case_id: int) -> Any:
    """Every entry of the case's ledger as CSV, in posting order with the balance after each,
    streamed as it is read."""
    case = services.read_case(current_user, case_id, disclosing=LEDGER)
    return ledger_export.csv_response(case.id)


@blp.route("/cases/<int:case_id>/lien-agreements", methods=["POST"])
@require_roles(BILLING)
@blp.arguments(LienAgreementWithDocumentSchema)
@blp.response(201, LienAgreementSchema)
def record_lien_agreement(body: dict[str, Any], case_id: int) -> Any:
    """Record the signed lien agreement (``document_id`` may name its uploaded signed copy,
    whose SHA-256 is recorded); the case becomes `active`."""
    agreement = documents.record_lien_agreement(current_user, case_id, **body)
    return agreement


@blp.route("/cases/<int:case_id>/external-treatments", methods=["POST"])
@require_roles(PHARMACIST, BILLING)
@blp.arguments(ExternalTreatmentCreateSchema)
@blp.response(201, ExternalTreatmentSchema)
def add_external_treatment(body: dict[str, Any], case_id: int) -> Any:
    """Record treatment given elsewhere (never a ledger entry)."""
    treatment = services.add_external_treatment(current_user, case_id, **body)
    return treatment


@blp.route("/cases/<int:case_id>/transfer", methods=["POST"])
@require_roles(BILLING)
@blp.arguments(TransferSchema)
@blp.response(200, CaseSchema)
def transfer_case(body: dict[str, Any], case_id: int) -> Any:
    """Substitute counsel; a new agreement is needed before further charges."""
    case = services.transfer_case(current_user, case_id, **body)
    return with_balances([case])[0]


@blp.route("/cases/<int:case_id>/hold", methods=["POST"])
@require_roles(BILLING)
@blp.arguments(HoldSchema)
@blp.response(200, CaseSchema)
def hold_case(body: dict[str, Any], case_id: int) -> Any:
    """Put a case on hold: no charges until it is resumed."""
    case = services.hold_case(current_user, case_id, body["reason"])
    return with_balances([case])[0]


@blp.route("/cases/<int:case_id>/resume", methods=["POST"])
@require_roles(BILLING)
@blp.response(200, CaseSchema)
def resume_case(case_id: int) -> Any:
    """Take a case off hold."""
    case = services.resume_case(current_user, case_id)
    return with_balances([case])[0]


@blp.route("/cases/<int:case_id>/suit-filed", methods=["POST"])
@require_roles(BILLING)
@blp.arguments(SuitFiledSchema)
@blp.response(200, CaseSchema)
def record_suit_filed(body: dict[str, Any], case_id: int) -> Any:
    """Record the day the client's suit was filed (`null` clears it); a filed suit takes the
    lien off the statute-of-limitations risk list."""
    case = services.record_suit_filed(current_user, case_id, body["suit_filed_on"])
    return with_balances([case])[0]
