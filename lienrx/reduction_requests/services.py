"""File reduction requests (attorneys, billing), answer them (billing) and respond to a
counter (attorneys): the negotiation loop of SPEC §7.8, each move kept as a step.

The pages and the API call these functions; each flushes, records an audit event and never
commits.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

import sqlalchemy as sa

from lienrx.audit import services as audit
from lienrx.cases import services as cases
from lienrx.cases.models import Case
from lienrx.core import clock, locks
from lienrx.core.actors import Actor
from lienrx.core.errors import Conflict, Forbidden, NotFound, ValidationFailed, field_error
from lienrx.core.paging import Page, fetch_page
from lienrx.core.security import ATTORNEY, BILLING
from lienrx.extensions import db
from lienrx.ledger.queries import case_balance
from lienrx.outbox import services as outbox
from lienrx.reduction_requests import rules
from lienrx.reduction_requests.models import ReductionRequest, ReductionRequestStep
from lienrx.reduction_requests.schemas import parse_value
from lienrx.settlement import services as settlement
from lienrx.settlement.calculator import percent_of


def _cents(method: str, value: int | Decimal, balance: int) -> int:
    """What an offer takes off the lien today: its cents, or its percent of the balance."""
    return int(value) if method == "amount" else int(percent_of(balance, Decimal(value)))


def _check_within_balance(method: str, value: int | Decimal, balance: int,
                          field: str = "value") -> None:
    if balance <= 0:
        raise field_error(field, "The lien balance is zero; there is nothing to reduce.")
    if _cents(method, value, balance) > balance:
        raise field_error(field, "The reduction is more than the lien balance.")


def _add_step(request: ReductionRequest, actor: Actor, side: str, action: str, *,
              method: str = "amount", value: int | Decimal | None = None,
              note: str | None = None) -> ReductionRequestStep:
    step = ReductionRequestStep(
        request_id=request.id, number=len(request.steps) + 1, side=side, action=action,
        amount_cents=int(value) if value is not None and method == "amount" else None,
        percent=Decimal(value) if value is not None and method == "percent" else None,
        note=note, user_id=actor.id, at=clock.utcnow())
    request.steps.append(step)
    return step


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
    _add_step(request, actor, rules.ATTORNEY_SIDE, rules.REQUEST, method=method, value=value)
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


def _check_not_the_offer(request: ReductionRequest, method: str, value: int | Decimal,
                         field: str, balance: int) -> None:
    """A counter must change the offer on the table (else the other side should accept)."""
    offer = request.offer
    offered = cast(int | Decimal, offer.value)  # an ask or counter has one (offer_has_value)
    same = (method == offer.method and value == offered) or (
        _cents(method, value, balance) == _cents(offer.method, offered, balance))
    if same:
        raise field_error(field, "A counter differs from the offer on the table; "
                                 "accept instead.")


def _counter_value(request: ReductionRequest, decision: str, value: Any) -> int | Decimal | None:
    if decision != rules.COUNTER:
        if value is not None:
            raise field_error("value", "Only a counter takes a value.")
        return None
    if value is None:
        raise field_error("value", "A counter names the value the pharmacy offers.")
    parsed = parse_value(request.method, value) if isinstance(value, str) else value
    if not _typed_value_ok(request.method, parsed):
        raise field_error("value", "Enter the counter in dollars and cents, e.g. 150.00.")
    return parsed


def _post_offer(actor: Actor, request: ReductionRequest, offer: ReductionRequestStep,
                field: str) -> int:
    """Post the reduction ``offer`` names; return the cents posted."""
    try:
        posted = settlement.reduce_lien(
            actor, request.case_id, method=offer.method, value=offer.value,
            reason=f"{request.acknowledgment_number}: {request.reason}")
    except ValidationFailed as exc:
        raise field_error(field, " ".join(exc.errors.get("value", ["Refused."]))) from None
    request.reduction_id = posted.id
    return posted.amount


def _locked(actor: Actor, request_id: int) -> ReductionRequest:
    """The request under lock, after its case (lienrx.core.locks.ORDER: the reduction locks
    the case)."""
    cases.get_case(actor, get_request(actor, request_id).case_id, for_update=True)
    request = get_request(actor, request_id, for_update=True)
    db.session.expire(request, ["steps"])  # read the steps again under the lock
    return request


def answer_request(actor: Actor, request_id: int, *, decision: str, note: str | None = None,
                   value: Any = None) -> ReductionRequest:
    """Answer a request waiting on billing: `accept` posts the offer on the table (the ask,
    or the attorney's counter), `counter` offers ``value`` instead (cents or "150.00" for
    amount, a percent for percent), `decline` posts nothing. A request waiting on the
    attorney, accepted or declined → 409 `invalid_transition`.
    """
    if actor.role != BILLING:
        raise Forbidden("Only billing answers reduction requests.")
    if decision not in rules.DECISIONS:
        raise field_error("decision", "Accept, counter or decline.")
    request = _locked(actor, request_id)
    if request.status != rules.PENDING:
        raise Conflict("invalid_transition",
                       f"This request is not waiting on billing ({request.status}).")
    counter = _counter_value(request, decision, value)
    posted = None
    if decision == rules.ACCEPT:
        posted = _post_offer(actor, request, request.offer, "value")
    if counter is not None:
        balance = case_balance(request.case_id)
        _check_within_balance(request.method, counter, balance)
        _check_not_the_offer(request, request.method, counter, "value", balance)
        request.counter_amount_cents = int(counter) if request.method == "amount" else None
        request.counter_percent = Decimal(counter) if request.method == "percent" else None
        _add_step(request, actor, rules.BILLING_SIDE, decision, method=request.method,
                  value=counter, note=note)
    else:  # an accept's step carries the cents it posted; a decline carries nothing
        _add_step(request, actor, rules.BILLING_SIDE, decision, value=posted, note=note)
    request.status = rules.DECISIONS[decision]
    request.answered_by_user_id, request.answered_at = actor.id, clock.utcnow()
    request.answer_note = note
    db.session.flush()
    audit.record(actor, "reduction_request.answered", "reduction_request", request.id,
                 {"case_id": request.case_id, "decision": decision,
                  "reduction_id": request.reduction_id})
    outbox.enqueue_event(outbox.REDUCTION_ANSWERED, request.case_id, request.id,
                         facts={"step": len(request.steps)})
    return request


def respond(actor: Actor, request_id: int, *, action: str, amount: int | None = None,
            note: str | None = None) -> ReductionRequest:
    """The attorney's response to billing's counter: `accept` posts the counter (once: a
    repeated or concurrent accept finds the request accepted → 409 `invalid_transition`),
    `counter` offers ``amount`` cents instead and sends the request back to billing.
    """
    if actor.role != ATTORNEY:
        raise Forbidden("Only the firm's attorneys respond to a counter.")
    if action not in rules.RESPONSES:
        raise field_error("action", "Accept the counter or counter it.")
    request = _locked(actor, request_id)
    if request.status != rules.COUNTERED:
        raise Conflict("invalid_transition",
                       f"This request is not waiting on the firm ({request.status}).")
    if action == rules.ACCEPT:
        if amount is not None:
            raise field_error("amount", "Accepting takes no amount; it accepts the counter.")
        posted = _post_offer(actor, request, request.offer, "amount")
        _add_step(request, actor, rules.ATTORNEY_SIDE, rules.ACCEPT, value=posted, note=note)
    else:
        if amount is None:
            raise field_error("amount", "A counter names the dollars the firm offers.")
        if not _typed_value_ok("amount", amount):
            raise field_error("amount", "Enter the counter in dollars and cents, e.g. 150.00.")
        balance = case_balance(request.case_id)
        _check_within_balance("amount", amount, balance, "amount")
        _check_not_the_offer(request, "amount", amount, "amount", balance)
        _add_step(request, actor, rules.ATTORNEY_SIDE, rules.COUNTER, value=amount, note=note)
        # back to billing: the answer was to the previous offer (the steps keep it)
        request.answered_by_user_id = request.answered_at = request.answer_note = None
        request.counter_amount_cents = request.counter_percent = None
    request.status = rules.RESPONSES[action]
    db.session.flush()
    audit.record(actor, "reduction_request.responded", "reduction_request", request.id,
                 {"case_id": request.case_id, "action": action,
                  "reduction_id": request.reduction_id})
    return request
