"""Reduction-requests API: firms file requests, billing lists and answers them."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask_login import current_user

from lienrx.cases import services as cases
from lienrx.core.api import ApiBlueprint, paged
from lienrx.core.security import ATTORNEY, BILLING, require_roles
from lienrx.reduction_requests import services
from lienrx.reduction_requests.schemas import (
    ReductionRequestAnswerSchema,
    ReductionRequestCreateSchema,
    ReductionRequestListArgs,
    ReductionRequestRespondSchema,
    ReductionRequestSchema,
)

blp = ApiBlueprint("reduction_requests_api", __name__,
                   description="Reduction requests: firms ask, billing answers, and each "
                               "side may counter the other until one accepts")


def case_in_scope(view: Callable[..., Any]) -> Callable[..., Any]:
    """Answer 404 for a case the caller may not see before the body is validated."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        cases.get_case(current_user, kwargs["case_id"])
        return view(*args, **kwargs)

    return wrapper


def request_in_scope(view: Callable[..., Any]) -> Callable[..., Any]:
    """Answer 404 for a request the caller may not see before the body is validated."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        services.get_request(current_user, kwargs["reduction_request_id"])
        return view(*args, **kwargs)

    return wrapper


@blp.route("/cases/<int:case_id>/reduction-requests", methods=["POST"])
@require_roles(ATTORNEY, BILLING)
@case_in_scope
@blp.arguments(ReductionRequestCreateSchema)
@blp.response(201, ReductionRequestSchema)
def file_request(body: dict[str, Any], case_id: int) -> Any:
    """File a reduction request (amount or percent, with a reason); it waits for billing."""
    request = services.file_request(current_user, case_id, **body)
    return request


@blp.route("/cases/<int:case_id>/reduction-requests", methods=["GET"])
@require_roles(ATTORNEY, BILLING)
@blp.response(200, ReductionRequestSchema(many=True))
@blp.paginate()
def case_requests(case_id: int, pagination_parameters: Any) -> Any:
    """The case's reduction requests, newest first, each with its status."""
    found = services.requests_for_case(current_user, case_id, page=pagination_parameters.page,
                                       page_size=pagination_parameters.page_size)
    return paged(found, pagination_parameters)


@blp.route("/reduction-requests", methods=["GET"])
@require_roles(BILLING)
@blp.arguments(ReductionRequestListArgs, location="query")
@blp.response(200, ReductionRequestSchema(many=True))
@blp.paginate()
def list_requests(args: dict[str, Any], pagination_parameters: Any) -> Any:
    """Requests in one status (default pending), oldest first: billing's queue."""
    found = services.list_requests(current_user, page=pagination_parameters.page,
                                   page_size=pagination_parameters.page_size, **args)
    return paged(found, pagination_parameters)


@blp.route("/reduction-requests/<int:reduction_request_id>", methods=["GET"])
@require_roles(ATTORNEY, BILLING)
@blp.response(200, ReductionRequestSchema)
def get_request(reduction_request_id: int) -> Any:
    """One reduction request and its answer."""
    return services.read_request(current_user, reduction_request_id)


@blp.route("/reduction-requests/<int:reduction_request_id>/answer", methods=["POST"])
@require_roles(BILLING)
@blp.arguments(ReductionRequestAnswerSchema)
@blp.response(200, ReductionRequestSchema)
def answer_request(body: dict[str, Any], reduction_request_id: int) -> Any:
    """Accept (posts the offer on the table: the ask or the attorney's counter), counter (with
    a value, in the request's method) or decline a request waiting on billing."""
    request = services.answer_request(current_user, reduction_request_id, **body)
    return request


@blp.route("/reduction-requests/<int:reduction_request_id>/respond", methods=["POST"])
@require_roles(ATTORNEY)
@request_in_scope
@blp.arguments(ReductionRequestRespondSchema)
@blp.response(200, ReductionRequestSchema)
def respond(body: dict[str, Any], reduction_request_id: int) -> Any:
    """The firm's answer to billing's counter: accept it (posts the reduction, once) or counter
    with a dollar amount (the request goes back to billing). A repeat is a 409."""
    return services.respond(current_user, reduction_request_id, **body)
