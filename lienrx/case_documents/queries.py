"""Read models of case documents for other domains: the HIPAA authorization in force."""

from __future__ import annotations

from datetime import date

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
        sa.select(CaseDocument)
        .where(CaseDocument.case_id == case_id, CaseDocument.law_firm_id == law_firm_id,
               CaseDocument.kind == rules.HIPAA_AUTHORIZATION,
               sa.or_(CaseDocument.expires_on.is_(None), CaseDocument.expires_on >= on))
        .order_by(CaseDocument.uploaded_at.desc(), CaseDocument.id.desc())).scalars()
    for document in candidates:
        on_file = clock.local_date(document.uploaded_at) <= on
        revoked = (document.revoked_at is not None
                   and clock.local_date(document.revoked_at) <= on)
        if on_file and not revoked:
            return document
    return None
