"""The HIPAA gate: an attorney reads a case's PHI only under an authorization naming the
firm, in force today, and every such read is logged as a disclosure; the accounting of a
patient's disclosures (45 CFR 164.528)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeGuard

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from lienrx.audit import services as audit
from lienrx.case_documents.queries import active_authorization, authorized_case_ids
from lienrx.cases import rules
from lienrx.cases.access import ReadGate
from lienrx.cases.models import Case
from lienrx.core import clock
from lienrx.core.actors import Actor
from lienrx.core.errors import AuthorizationRequired, NotFound
from lienrx.core.paging import Page, fetch_page
from lienrx.core.security import ATTORNEY
from lienrx.disclosures.models import Disclosure
from lienrx.extensions import db
from lienrx.parties.models import Patient

REFUSAL = ("The pharmacy has no HIPAA authorization from the client naming your firm in force "
           "for this case, so it cannot show the client's records. Ask the pharmacy to put "
           "the client's signed authorization on file.")
_DISCLOSED = "lienrx.disclosures.disclosed"  # (transaction, case ids logged in it)


def gated(actor: Actor | None) -> TypeGuard[Actor]:
    """Whether ``actor``'s reads of case PHI pass the gate (attorneys; staff never)."""
    return actor is not None and actor.role == ATTORNEY


def disclose(actor: Actor | None, case: Case, what: str) -> None:
    """Let ``actor`` read ``case``'s PHI (``what``, a :data:`rules.WHAT` code), logging the
    disclosure to the firm; 403 `hipaa_authorization_required` without an authorization
    naming the attorney's firm in force today. Staff are never gated.

    A transaction (a request) logs one disclosure per case, named by its first read."""
    if not gated(actor):
        return
    firm_id = actor.law_firm_id
    if firm_id is None or active_authorization(case.id, firm_id, clock.today()) is None:
        raise AuthorizationRequired(REFUSAL, case_id=case.id)
    _log(actor, [case], what)


def disclose_listed(actor: Actor | None, cases: Sequence[Any]) -> set[int]:
    """The ids of listed ``cases`` (anything with ``id`` and ``patient_id``) whose client
    ``actor`` may see, each logged as a disclosure of the case list; of the others an attorney
    sees only ``rules.UNAUTHORIZED_CASE_FIELDS``. Staff see all of them."""
    if not gated(actor):
        return {case.id for case in cases}
    if actor.law_firm_id is None:
        return set()
    shown = authorized_case_ids([case.id for case in cases], actor.law_firm_id, clock.today())
    _log(actor, [case for case in cases if case.id in shown], rules.CASE_LIST)
    return shown


def _log(actor: Actor, cases: Sequence[Any], what: str) -> None:
    """One row per case not yet logged in this transaction, in one statement."""
    logged = _logged_in_transaction()
    now, rows = clock.utcnow(), []
    for case in cases:
        if case.id not in logged:
            logged.add(case.id)
            rows.append({"occurred_at": now, "patient_id": case.patient_id, "case_id": case.id,
                         "law_firm_id": actor.law_firm_id, "what": what, "user_id": actor.id})
    if rows:
        db.session.execute(sa.insert(Disclosure), rows)


def _logged_in_transaction() -> set[int]:
    """The cases already logged in the session's current transaction: a request run again
    after a lost race (``core.unit_of_work``) starts a new transaction and logs afresh."""
    session = db.session()
    transaction = session.get_transaction()
    held = session.info.get(_DISCLOSED)
    if held is None or held[0] is not transaction:
        held = session.info[_DISCLOSED] = (transaction, set())
    logged: set[int] = held[1]
    return logged


def accounting(actor: Actor, patient_id: int, *, page: int = 1,
               page_size: int | None = None) -> Page[Disclosure]:
    """The patient's disclosures to law firms, newest first (the read is audited)."""
    if db.session.get(Patient, patient_id) is None:
        raise NotFound("No such patient.")
    found = fetch_page(
        sa.select(Disclosure).where(Disclosure.patient_id == patient_id)
        .order_by(Disclosure.occurred_at.desc(), Disclosure.id.desc()),
        page=page, page_size=page_size,
        options=(joinedload(Disclosure.law_firm), joinedload(Disclosure.user)))
    audit.record(actor, "disclosure.accounting_read", "patient", patient_id,
                 {"count": len(found), "page": page, "total": found.total})
    return found


# What cases call on every read (installed by create_app: lienrx.cases.access).
GATE = ReadGate(read=disclose, listed=disclose_listed)
