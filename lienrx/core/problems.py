"""One place that turns errors into responses: problem+json under /api, HTML pages elsewhere."""

from __future__ import annotations

import logging
import traceback
from typing import Any

from flask import (
    Flask,
    Response,
    g,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from lienrx.core.errors import (
    BadRequest,
    Forbidden,
    LienRxError,
    NotFound,
    RateLimited,
    ServiceUnavailable,
    Unauthenticated,
)
from lienrx.extensions import db

log = logging.getLogger("lienrx.errors")

PROBLEM_JSON = "application/problem+json"

# The body :func:`problem` builds, as the OpenAPI document's ``Problem`` schema (RFC 9457).
PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "An RFC 9457 problem. `code` names the rule or check that refused the "
                   "request; some codes carry extension members (below).",
    "required": ["type", "title", "status", "code", "detail"],
    "properties": {
        "type": {"type": "string", "format": "uri-reference",
                 "description": "`/problems/` and the code, hyphenated.",
                 "example": "/problems/refills-exhausted"},
        "title": {"type": "string", "example": "Refills exhausted"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599, "example": 409},
        "detail": {"type": "string", "description": "For people; never carries PHI.",
                   "example": "Not enough remains on this prescription."},
        "instance": {"type": "string", "format": "uri-reference",
                     "description": "RFC 9457's occurrence URI; not sent today."},
        "code": {"type": "string", "pattern": "^[a-z0-9_]+$", "example": "refills_exhausted"},
        "errors": {
            "type": "object",
            "description": "`validation_failed`: each bad field (or `_schema`, the body as a "
                           "whole) → its messages; a nested object's or a list item's fields "
                           "nest the same way.",
            "additionalProperties": {"oneOf": [
                {"type": "array", "items": {"type": "string"}},
                {"type": "object", "additionalProperties": True},
            ]},
            "example": {"date_of_birth": ["Must not be in the future."]},
        },
        "matches": {
            "type": "array",
            "description": "`possible_duplicate_patient`: the patients already registered "
                           "with this last name and date of birth.",
            "items": {"type": "object", "required": ["id"],
                      "properties": {"id": {"type": "integer"}}},
        },
        "alerts": {
            "type": "array",
            "description": "`dur_unresolved`: the alerts that still need a pharmacist's "
                           "resolution (resend with `dur_resolutions` naming their ids).",
            "items": {"type": "object", "properties": {
                "id": {"type": "integer"}, "kind": {"type": "string"},
                "severity": {"type": "string", "enum": ["low", "moderate", "high"]},
                "message": {"type": "string"}}},
        },
        "retry_after": {"type": "integer", "minimum": 0,
                        "description": "`rate_limited`: seconds to wait (as `Retry-After`)."},
        "request_id": {"type": "string",
                       "description": "`internal_error`: the id to quote to support."},
    },
}


def wants_problem_json() -> bool:
    """API paths answer errors as problem+json."""
    return request.path.startswith("/api/")


def problem(status: int, code: str, title: str, detail: str, **extra: Any) -> Response:
    """Build an RFC 9457 problem response."""
    body = {
        "type": f"/problems/{code.replace('_', '-')}",
        "title": title,
        "status": status,
        "code": code,
        "detail": detail,
        **{k: v for k, v in extra.items() if v is not None},
    }
    response = jsonify(body)
    response.status_code = status
    response.mimetype = PROBLEM_JSON
    return response


_HTTP_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "rate_limited",
}


# What a person can do next, under an error page's explanation.
_NEXT_STEPS = {
    400: "Go back, reload the page and try again.",
    403: "If your work needs it, ask an administrator to change your account's role.",
    404: "Check the address, or go back and follow a link from the page before.",
    405: "Go back and use the page's own buttons and links.",
    409: "Nothing was changed. Go back to see the record as it is now.",
    413: "Choose a smaller file (at most 10 MB) and send the form again.",
    422: "Go back, correct what is named above and send the form again.",
    429: "Wait a minute, then try again.",
    500: "Nothing was saved. Try again; if it happens again, give the reference above to "
         "whoever looks after LienRx.",
    503: "Nothing was saved. Try again in a moment.",
}


def _html(status: int, title: str, detail: str) -> tuple[str, int]:
    return render_template("error.html", status=status, title=title, detail=detail,
                           next_step=_NEXT_STEPS.get(status)), status


def handle_lienrx_error(error: LienRxError) -> Any:
    """A rule or check refused the request on purpose."""
    if isinstance(error, ServiceUnavailable):
        response = make_response(_problem_or_page(error))
        response.headers["Retry-After"] = str(error.retry_after)
        return response
    return _problem_or_page(error)


def _problem_or_page(error: LienRxError) -> Any:
    if wants_problem_json():
        extra = dict(error.extra)
        if getattr(error, "errors", None):
            extra["errors"] = error.errors  # type: ignore[attr-defined]
        response = problem(error.status, error.code, error.title, error.detail, **extra)
        if error.status == 401:
            response.headers["WWW-Authenticate"] = 'Bearer realm="lienrx"'
        if isinstance(error, RateLimited):
            response.headers["Retry-After"] = str(error.retry_after)
        return response
    if error.status == 401:
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    return _html(error.status, error.title, error.detail)


def handle_http_exception(error: HTTPException) -> Any:
    """Werkzeug's errors (unknown route, wrong method, CSRF, rate limit) in our shapes."""
    db.session.rollback()
    status = error.code or 500
    if status >= 500:
        return handle_unexpected(error)
    title, detail = _public_title(status, error.name), _public_detail(status)
    if isinstance(error, CSRFError) and not wants_problem_json():
        title, detail = EXPIRED_FORM
    if wants_problem_json():
        response = problem(status, _HTTP_CODES.get(status, "error"), title, detail)
        if status == 405 and error.get_response().headers.get("Allow"):
            response.headers["Allow"] = error.get_response().headers["Allow"]
        return response
    return _html(status, title, detail)


# A form sent without its security token (left open too long, or from another tab after
# signing out): what the page says instead of "The CSRF token is missing".
EXPIRED_FORM = ("This form has expired", "For your security a form works only for a while, "
                "and only in the browser session that opened it.")


# Werkzeug's own refusals are titled as LienRx's errors of the same status are.
_TITLES = {**{error.status: error.title
              for error in (BadRequest, Unauthenticated, Forbidden, NotFound, RateLimited)},
           405: "Not possible here", 413: "Too large"}


def _public_title(status: int, name: str) -> str:
    return _TITLES.get(status, name)


def _public_detail(status: int) -> str:
    return {
        400: "Part of what was sent is missing or garbled.",
        401: "Sign in or send a bearer token.",
        403: "Your account's role may not do this.",
        404: "There is nothing at this address.",
        405: "This address does not take that kind of request.",
        413: "What was sent is larger than LienRx accepts.",
        429: "Too many attempts in a short time; wait a minute and try again.",
    }.get(status, "The request was refused.")


def handle_unexpected(error: BaseException) -> Any:
    """Anything else: roll back, log with the request id, never echo the exception."""
    db.session.rollback()
    request_id = getattr(g, "request_id", None)
    # Frames only: an exception's message may carry bound SQL parameters or field values.
    frames = "; ".join(
        f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno} {f.name}"
        for f in traceback.extract_tb(error.__traceback__)
    )
    log.error("unhandled error request_id=%s type=%s at %s", request_id,
              type(error).__name__, frames)
    detail = f"Something went wrong on our side. Reference (request id): {request_id}."
    if wants_problem_json():
        return problem(500, "internal_error", "Something went wrong", detail,
                       request_id=request_id)
    return _html(500, "Something went wrong", detail)


def register_error_handlers(app: Flask) -> None:
    """Map every error to its response; registered after flask-smorest so ours win."""
    app.register_error_handler(LienRxError, handle_lienrx_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected)
