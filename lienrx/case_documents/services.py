"""Keep documents on a case: upload (type told by content, SHA-256, encrypted at rest), list,
read (a PHI read: audited), revoke an authorization, and record a lien agreement with its file."""

from __future__ import annotations

import hashlib
from datetime import date

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload

from lienrx.audit import services as audit
from lienrx.case_documents import rules
from lienrx.case_documents.models import CaseDocument, CaseDocumentContent
from lienrx.cases import services as cases
from lienrx.cases.models import LienAgreement
from lienrx.cases.rules import DOCUMENT
from lienrx.core import clock
from lienrx.core.actors import Actor, actor_id
from lienrx.core.errors import Conflict, NotFound, PayloadTooLarge, field_error
from lienrx.extensions import db
from lienrx.parties.models import LawFirm

MEGABYTE = 1024 * 1024
NO_FILE = "Choose the file to upload."


def max_bytes() -> int:
    """The largest file a case document may be (``LIENRX_DOCUMENT_MAX_BYTES``: 10 MB)."""
    return int(current_app.config["LIENRX_DOCUMENT_MAX_BYTES"])


def _checked_file(content: bytes) -> str:
    """The content type of an acceptable file; else 413 (too large) or 422 on `file`."""
    limit = max_bytes()
    if len(content) > limit:
        raise PayloadTooLarge({"file": [f"The file is larger than {limit / MEGABYTE:g} MB, the "
                                       "most a case document may be."]},
                              f"A case document may be at most {limit / MEGABYTE:g} MB.")
    if not content:
        raise field_error("file", "The file is empty.")
    content_type = rules.sniff(content)
    if content_type is None:
        raise field_error("file", "Upload a PDF, PNG or JPEG file.")
    return content_type


def upload(actor: Actor | None, case_id: int, *, file: bytes | None, kind: str,
           law_firm_id: int | None = None, expires_on: date | None = None) -> CaseDocument:
    """Keep a file on a case: its type told by its content, its SHA-256 recorded, the file
    encrypted at rest. A HIPAA authorization names the firm it authorizes (``law_firm_id``).

    Nothing is kept when the file is refused: 422 on `file` (none, empty, not a PDF, PNG or
    JPEG), 413 when it is larger than :func:`max_bytes`."""
    case = cases.get_case(actor, case_id)
    if file is None:
        raise field_error("file", NO_FILE)
    content_type = _checked_file(file)
    if kind not in rules.KINDS:
        raise field_error("kind", "Not a kind of case document.")
    if kind == rules.HIPAA_AUTHORIZATION and law_firm_id is None:
        raise field_error("law_firm_id", "Name the law firm the authorization lets us disclose to.")
    if law_firm_id is not None and db.session.get(LawFirm, law_firm_id) is None:
        raise field_error("law_firm_id", "No such law firm.")
    if expires_on is not None and expires_on < clock.today():
        raise field_error("expires_on", "The document has already expired.")
    document = CaseDocument(case_id=case.id, kind=kind, law_firm_id=law_firm_id,
                            expires_on=expires_on, sha256=hashlib.sha256(file).hexdigest(),
                            size=len(file), content_type=content_type,
                            uploaded_by_user_id=actor_id(actor))
    db.session.add(document)
    db.session.flush()
    db.session.add(CaseDocumentContent(document_id=document.id, content=file))
    db.session.flush()
    audit.record(actor, "case_document.uploaded", "case_document", document.id,
                 {"case_id": case.id, "kind": kind, "law_firm_id": law_firm_id,
                  "sha256": document.sha256, "size": document.size})
    return document


def list_documents(actor: Actor, case_id: int) -> list[CaseDocument]:
    """The documents kept on a case, newest first, without their files (audited)."""
    case = cases.get_case(actor, case_id, disclosing=DOCUMENT)
    found = list(db.session.execute(
        sa.select(CaseDocument).where(CaseDocument.case_id == case.id)
        .options(joinedload(CaseDocument.law_firm), joinedload(CaseDocument.uploaded_by))
        .order_by(CaseDocument.uploaded_at.desc(), CaseDocument.id.desc())).scalars())
    audit.record(actor, "case_document.listed", "case", case.id, {"count": len(found)})
    return found


def get_document(actor: Actor | None, document_id: int) -> CaseDocument:
    """A document on a case ``actor`` may see; otherwise NotFound (never another firm's)."""
    document = db.session.get(CaseDocument, document_id)
    if document is None:
        raise NotFound("No such document.")
    try:
        cases.get_case(actor, document.case_id, disclosing=DOCUMENT)
    except NotFound:
        raise NotFound("No such document.") from None
    return document


def read_content(actor: Actor, document_id: int) -> tuple[CaseDocument, bytes]:
    """A document with its file, decrypted (a PHI read: every download is audited)."""
    document = get_document(actor, document_id)
    stored = db.session.get_one(CaseDocumentContent, document.id)
    audit.record(actor, "case_document.read", "case_document", document.id,
                 {"case_id": document.case_id, "kind": document.kind,
                  "sha256": document.sha256})
    return document, stored.content


def file_name(document: CaseDocument) -> str:
    """The name a download is saved under (made from ids: the uploaded name may hold PHI)."""
    extension = rules.EXTENSIONS[document.content_type]
    return f"case-{document.case_id}-{document.kind.replace('_', '-')}-{document.id}.{extension}"


def revoke(actor: Actor, document_id: int, reason: str) -> CaseDocument:
    """Record that the patient revoked a HIPAA authorization; it authorizes nothing from now."""
    document = get_document(actor, document_id)
    if document.kind != rules.HIPAA_AUTHORIZATION:
        raise Conflict("invalid_transition", "Only a HIPAA authorization can be revoked.")
    if document.revoked_at is not None:
        raise Conflict("already_revoked", "This authorization was revoked already.")
    document.revoked_at = clock.utcnow()
    document.revoked_by_user_id = actor_id(actor)
    document.revocation_reason = reason
    db.session.flush()
    audit.record(actor, "case_document.revoked", "case_document", document.id,
                 {"case_id": document.case_id, "law_firm_id": document.law_firm_id})
    return document


def _agreement_document(case_id: int, document_id: int) -> CaseDocument:
    """An uploaded `lien_agreement` document of this case, or 422 on ``document_id``."""
    document = db.session.get(CaseDocument, document_id)
    if (document is None or document.case_id != case_id
            or document.kind != rules.LIEN_AGREEMENT):
        raise field_error("document_id", "No signed lien agreement of this case has this id.")
    return document


def record_lien_agreement(actor: Actor | None, case_id: int, *, signed_on: date,
                          patient_signed: bool, attorney_user_id: int | None = None,
                          non_recourse: bool = True, file: bytes | None = None,
                          document_id: int | None = None,
                          document_sha256: str | None = None) -> LienAgreement:
    """Record the signed lien agreement with its file: uploaded now (``file``, kept as a
    `lien_agreement` document) or before (``document_id``); its SHA-256 is recorded.

    Without either, ``document_sha256`` is recorded as sent (the JSON body clients post)."""
    document = None
    if file is not None:
        case = cases.get_case(actor, case_id)
        document = upload(actor, case.id, file=file, kind=rules.LIEN_AGREEMENT,
                          law_firm_id=case.law_firm_id)
    elif document_id is not None:
        cases.get_case(actor, case_id)
        document = _agreement_document(case_id, document_id)
    if document is not None:
        if document_sha256 is not None and document_sha256.lower() != document.sha256:
            raise field_error("document_sha256", "Not the SHA-256 of the agreement's document.")
        document_sha256 = document.sha256
    return cases.record_lien_agreement(
        actor, case_id, signed_on=signed_on, patient_signed=patient_signed,
        attorney_user_id=attorney_user_id, document_sha256=document_sha256,
        non_recourse=non_recourse)
