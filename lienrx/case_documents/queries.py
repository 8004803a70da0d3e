"""Read models of case documents for other domains: the HIPAA authorization in force."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from typing import Any

import sqlalchemy as sa

from lienrx.case_documents import rules
from lienrx.case_documents.models import CaseDocument
from lienrx.core import clock
from lienrx.extensions import db


def active_authorization(case_id: int, law_firm_id: int, on: date) -> CaseDocument | None:
    """The HIPAA authorization of a case that lets the pharmacy disclose to ``law_firm_id`` on
    the day ``on`` (the pharmacy's local date), the latest uploaded first; None without one.

    In force means: naming that firm, on file by that day, not expired (``expires_on`` is its
    last day) and not revoked by then. An authorization naming another firm opens nothing.
    """
    candidates = db.session.execute(
        _authorizations([case_id], law_firm_id, on)
        .order_by(CaseDocument.uploaded_at.desc(), CaseDocument.id.desc())).scalars()
    return next((document for document in candidates if _in_force(document, on)), None)


def authorized_case_ids(case_ids: Collection[int], law_firm_id: int, on: date) -> set[int]:
    """Which of ``case_ids`` have an authorization in force for ``law_firm_id`` on ``on``
    (as :func:`active_authorization`, in one query)."""
    if not case_ids:
        return set()
    documents = db.session.execute(_authorizations(case_ids, law_firm_id, on)).scalars()
    return {document.case_id for document in documents if _in_force(document, on)}


def _authorizations(case_ids: Collection[int], law_firm_id: int,
                    on: date) -> sa.Select[Any]:
    """Authorizations of the cases naming the firm and not expired by ``on``."""
    return sa.select(CaseDocument).where(
        CaseDocument.case_id.in_(list(case_ids)), CaseDocument.law_firm_id == law_firm_id,
        CaseDocument.kind == rules.HIPAA_AUTHORIZATION,
        sa.or_(CaseDocument.expires_on.is_(None), CaseDocument.expires_on >= on))


def _in_force(document: CaseDocument, on: date) -> bool:
    """On file by ``on`` and not revoked by then."""
    on_file = clock.local_date(document.uploaded_at) <= on
    revoked = document.revoked_at is not None and clock.local_date(document.revoked_at) <= on
    return on_file and not revoked
