"""File reduction requests (attorneys, billing) and answer them (billing).

The staff pages call these functions; each flushes, records an audit event and never commits.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from lienrx.audit import services as audit
from lienrx.cases import services as cases
from lienrx.cases.models import Case
from lienrx.core import clock, locks
from lienrx.core.actors import Actor
from lienrx.core.errors import Conflict, Forbidden, NotFound, field_error
from lienrx.core.paging import Page, fetch_page
from lienrx.core.security import ATTORNEY, BILLING
from lienrx.extensions import db
from lienrx.ledger.queries import case_balance
from lienrx.outbox import services as outbox
from lienrx.reduction_requests import rules
from lienrx.reduction_requests.models import ReductionRequest
from lienrx.reduction_requests.schemas import parse_value
from lienrx.settlement import services as settlement
from lienrx.settlement.calculator import percent_of


def _check_within_balance(method: str, value: int | Decimal, balance: int) -> None:
    reduction = value if method == "amount" else percent_of(balance, Decimal(value))
    if balance <= 0:
        raise field_error("value", "The lien balance is zero; there is nothing to reduce.")
    if int(reduction) > balance:
        raise field_error("value", "The reduction is more than the lien balance.")


def file_request(actor: Actor, case_id: int, *, method: str, value: int | Decimal,
                 reason: str) -> ReductionRequest:
    """File a pending reduction request on a case the actor may see (attorney or billing).

    ``value`` is cents for `amount`, a Decimal percent for `percent`.
    """
    if actor.role not in (ATTORNEY, BILLING):
        raise Forbidden("Only the firm's attorneys or billing may request a reduction.")
    if method not in rules.METHODS:
        raise field_error("method", "Ask for an amount or a percent.")
    case = cases.get_case(actor, case_id)
    settlement.check_reducible(case)
    _check_within_balance(method, value, case_balance(case.id))
    request = ReductionRequest(
        case_id=case.id, requested_by_user_id=actor.id, method=method,
        amount_cents=int(value) if method == "amount" else None,
        percent=Decimal(value) if method == "percent" else None,
        reason=reason, status=rules.PENDING, created_at=clock.utcnow())
    db.session.add(request)
    db.session.flush()
    audit.record(actor, "reduction_request.filed", "reduction_request", request.id,
                 {"case_id": case.id, "method": method})
    return request


def get_request(actor: Actor, request_id: int, *, for_update: bool = False) -> ReductionRequest:
    """A request on a case the actor may see (attorneys: their firm's), else NotFound."""
    query = sa.select(ReductionRequest).where(ReductionRequest.id == request_id)
    request = (locks.lock(query, ReductionRequest) if for_update
               else db.session.execute(query).scalar_one_or_none())
    if request is None:
        raise NotFound("No such reduction request.")
    try:
        cases.get_case(actor, request.case_id)
    except NotFound:
        raise NotFound("No such reduction request.") from None
    return request


def read_request(actor: Actor, request_id: int) -> ReductionRequest:
    """One request and its answer (a read of the client's lien: audited)."""
    request = get_request(actor, request_id)
    audit.record(actor, "reduction_request.read", "reduction_request", request.id,
                 {"case_id": request.case_id})
    return request


def requests_for_case(actor: Actor, case_id: int, *, page: int = 1,
                      page_size: int | None = None) -> Page[ReductionRequest]:
    """The reduction requests on a case the actor may see, newest first (a page of
    ``page_size`` when given, else all of them; audited)."""
    case = cases.get_case(actor, case_id)
    found = fetch_page(
        sa.select(ReductionRequest).where(ReductionRequest.case_id == case.id)
        .order_by(ReductionRequest.id.desc()), page=page, page_size=page_size)
    audit.record(actor, "reduction_request.listed", "case", case.id,
                 {"count": len(found), "total": found.total})
    return found


def list_requests(actor: Actor, *, status: str = rules.PENDING, page: int = 1,
                  page_size: int = 50, q: str | None = None) -> Page[ReductionRequest]:
    """A page of the requests in one status across cases the actor may see, oldest first,
    and how many there are (billing's queue; audited). ``q`` matches the client's name or
    the firm's file number."""
    in_scope = cases.visible_cases(actor)
    if q and q.split():
        in_scope = in_scope.where(cases.client_or_file_number(in_scope, q))
    query = (sa.select(ReductionRequest)
             .where(ReductionRequest.status == status,
                    ReductionRequest.case_id.in_(in_scope.with_only_columns(Case.id)))
             .order_by(ReductionRequest.id))
    found = fetch_page(query, page=page, page_size=page_size)
    audit.record(actor, "reduction_request.listed", "reduction_request", None,
                 {"count": len(found), "page": page, "status": status, "total": found.total})
    return found


def _typed_value_ok(method: str, value: Any) -> bool:
    if method == "amount":
        return isinstance(value, int) and not isinstance(value, bool) and value > 0
    return isinstance(value, Decimal) and Decimal(0) < value <= Decimal(100)


def _counter_value(request: ReductionRequest, decision: str, value: Any) -> int | Decimal | None:
    if decision != rules.COUNTER:
        if value is not None:
            raise field_error("value", "Only a counter takes a value.")
        return None
    if value is None:
        raise field_error("value", "A counter names the value the pharmacy offers.")
    parsed = parse_value(request.method, value) if isinstance(value, str) else value
    if not _typed_value_ok(request.method, parsed):
        raise field_error("value", "Send the counter as a decimal string, e.g. \"150.00\".")
    if parsed == request.value:
        raise field_error("value", "A counter differs from what was asked; accept instead.")
    return parsed


def answer_request(actor: Actor, request_id: int, *, decision: str, note: str | None = None,
                   value: Any = None) -> ReductionRequest:
    """Answer a pending request (billing): `accept` posts the reduction, `counter` offers
    ``value`` instead (cents or "150.00" for amount, a percent for percent), `decline`
    posts nothing. A request is answered once; again → 409 `invalid_transition`.
    """
    if actor.role != BILLING:
        raise Forbidden("Only billing answers reduction requests.")
    if decision not in rules.DECISIONS:
        raise field_error("decision", "Accept, counter or decline.")
    # The case is locked before the request (lienrx.core.locks.ORDER): the reduction locks it.
    cases.get_case(actor, get_request(actor, request_id).case_id, for_update=True)
    request = get_request(actor, request_id, for_update=True)
    if request.status != rules.PENDING:
        raise Conflict("invalid_transition",
                       f"This request was already answered ({request.status}).")
    counter = _counter_value(request, decision, value)
    if decision == rules.ACCEPT:
        posted = settlement.reduce_lien(
            actor, request.case_id, method=request.method, value=request.value,
            reason=f"{request.acknowledgment_number}: {request.reason}")
        request.reduction_id = posted.id
    if counter is not None:
        request.counter_amount_cents = int(counter) if request.method == "amount" else None
        request.counter_percent = Decimal(counter) if request.method == "percent" else None
    request.status = rules.DECISIONS[decision]
    request.answered_by_user_id, request.answered_at = actor.id, clock.utcnow()
    request.answer_note = note
    db.session.flush()
    audit.record(actor, "reduction_request.answered", "reduction_request", request.id,
                 {"case_id": request.case_id, "decision": decision,
                  "reduction_id": request.reduction_id})
    outbox.enqueue_event(outbox.REDUCTION_ANSWERED, request.case_id, request.id)
    return request
