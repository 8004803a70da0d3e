"""Cases: the list by status, one case's page, recording its lien agreement, and the
documents kept on it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response, flash, redirect, render_template, request, url_for
from flask_login import current_user

from lienrx.case_documents import rules as document_rules
from lienrx.case_documents import services as documents
from lienrx.case_documents.schemas import CaseDocumentUploadSchema, SignedAgreementFormSchema
from lienrx.cases import rules as case_rules
from lienrx.cases import services as cases
from lienrx.cases.queries import with_balances
from lienrx.cases.schemas import ExternalTreatmentCreateSchema, SuitFiledSchema
from lienrx.core import forms
from lienrx.core.errors import NotFound
from lienrx.core.paging import page_number, page_url
from lienrx.core.security import BILLING, PHARMACIST, TECHNICIAN, require_roles
from lienrx.dispensing import queries as dispensing_queries
from lienrx.ledger.queries import case_ledger
from lienrx.parties import queries as party_queries
from lienrx.prescribing import queries as prescribing_queries
from lienrx.staff.blueprint import bp

READERS = (PHARMACIST, TECHNICIAN, BILLING)
DOCUMENT_KEEPERS = (PHARMACIST, BILLING)  # who list, download and upload case documents
PAGE_SIZE = 50
LEDGER_PAGE = "ledger_page"  # the query argument naming the page of the case's ledger shown


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


def case_page(case_id: int, agreement_form: forms.Submission | None = None,
              document_form: forms.Submission | None = None,
              suit_form: forms.Submission | None = None,
              treatment_form: forms.Submission | None = None) -> Any:
    """Render one case: facts, agreement, prescriptions, fills and (P, B) a page of the ledger
    with its totals, and the documents kept on it."""
    case = with_balances([cases.read_case(current_user, case_id)])[0]
    keeper = current_user.role in DOCUMENT_KEEPERS
    ledger = (case_ledger(case_id, page=page_number(request.args, LEDGER_PAGE),
                          page_size=PAGE_SIZE) if keeper else None)
    form = agreement_form or forms.blank(SignedAgreementFormSchema(), patient_signed="on",
                                         non_recourse="on")
    upload_form = document_form or forms.blank(CaseDocumentUploadSchema())
    return render_template(
        "staff/case.html", case=case, agreement=case.lien_agreement,
        prescriptions=prescribing_queries.case_prescriptions(case_id),
        dispenses=dispensing_queries.case_dispenses(case_id), ledger=ledger,
        ledger_page=LEDGER_PAGE, page_url=_ledger_page_url(case_id),
        agreement_form=form, document_form=upload_form,
        documents=documents.list_documents(current_user, case_id) if keeper else None,
        kind_labels=document_rules.KIND_LABELS,
        firms=[(f.id, f.name) for f in party_queries.law_firms()] if keeper else [],
        suit_form=suit_form or forms.blank(SuitFiledSchema()),
        treatment_form=treatment_form or forms.blank(ExternalTreatmentCreateSchema()),
        treatment_kinds=[(k, k.replace("_", " ")) for k in case_rules.TREATMENT_KINDS],
    ), (treatment_form or suit_form or document_form or form).status


def _ledger_page_url(case_id: int) -> Callable[[str, int], str]:
    """``page_url`` for the ledger's pager: a page of the case's ledger, wherever the case
    page was rendered from (a refused form re-renders it under its own address)."""
    def ledger_page_url(name: str, number: int) -> str:
        page: dict[str, Any] = {name: number}
        return url_for("staff.case", case_id=case_id, _anchor="h-ledger", **page)
    return ledger_page_url


def _chosen_file(name: str) -> bytes | None:
    """The bytes of the file chosen in the input ``name``, or None when none was chosen."""
    upload = request.files.get(name)
    return upload.read() if upload is not None and upload.filename else None


@bp.route("/cases/<int:case_id>")
@require_roles(*READERS)
def case(case_id: int) -> Any:
    """Show one case."""
    return case_page(case_id)


@bp.route("/cases/<int:case_id>/lien-agreement", methods=["POST"])
@require_roles(BILLING)
def record_lien_agreement(case_id: int) -> Any:
    """Record the signed lien agreement with its signed file (kept on the case, its SHA-256
    recorded); the case becomes `active`."""
    data = forms.read(("signed_on",), ints=("attorney_user_id",),
                      checks=("patient_signed", "non_recourse"))
    form = forms.Submission.load(SignedAgreementFormSchema(), data)
    if form.call(documents.record_lien_agreement, current_user, case_id,
                 file=_chosen_file("file")) is None:
        return case_page(case_id, form)
    flash("Lien agreement recorded; the case is active.", "info")
    return redirect(url_for("staff.case", case_id=case_id))


@bp.route("/cases/<int:case_id>/suit-filed", methods=["POST"])
@require_roles(BILLING)
def record_suit_filed(case_id: int) -> Any:
    """Record the day the client's suit was filed: the lien leaves the limitation-risk list."""
    form = forms.Submission.load(SuitFiledSchema(), forms.read(("suit_filed_on",)))
    if form.call(cases.record_suit_filed, current_user, case_id) is None:
        return case_page(case_id, suit_form=form)
    flash("Suit filing recorded.", "info")
    return redirect(url_for("staff.case", case_id=case_id))


@bp.route("/cases/<int:case_id>/documents", methods=["POST"])
@require_roles(*DOCUMENT_KEEPERS)
def upload_case_document(case_id: int) -> Any:
    """Keep a document (PDF or image, at most 10 MB) on the case."""
    data = forms.read(("kind", "expires_on"), ints=("law_firm_id",), prefix="doc-")
    form = forms.Submission.load(CaseDocumentUploadSchema(), data, prefix="doc-")
    chosen = _chosen_file("doc-file")
    if chosen is None:  # said with the other fields' errors, not after they are put right
        form.refuse("doc-file", documents.NO_FILE)
    if form.call(documents.upload, current_user, case_id, file=chosen) is None:
        return case_page(case_id, document_form=form)
    flash("Document kept on the case.", "info")
    return redirect(url_for("staff.case", case_id=case_id, _anchor="h-documents"))


@bp.route("/documents/<int:document_id>")
@require_roles(*DOCUMENT_KEEPERS)
def case_document(document_id: int) -> Any:
    """Download a case document (a PHI read: audited)."""
    document, content = documents.read_content(current_user, document_id)
    return Response(content, mimetype=document.content_type, headers={
        "Content-Disposition": f'attachment; filename="{documents.file_name(document)}"'})
