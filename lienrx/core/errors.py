"""The LienRx error hierarchy: services raise these, one place maps them to responses."""

from __future__ import annotations

from typing import Any


class LienRxError(Exception):
    """Base of every error a service may raise on purpose."""

    status = 500
    code = "internal_error"
    title = "Internal error"
    # A refusal that still records facts (DUR alerts found, a failed sign-in): the unit of
    # work commits what was done before it instead of rolling it back (core.unit_of_work).
    keeps_facts = False

    def __init__(self, detail: str | None = None, **extra: Any) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.extra = extra


class BadRequest(LienRxError):
    status, code, title = 400, "bad_request", "Bad request"


class Unauthenticated(LienRxError):
    status, code, title = 401, "unauthenticated", "Authentication required"


class Forbidden(LienRxError):
    status, code, title = 403, "forbidden", "Forbidden"


class AuthorizationRequired(Forbidden):
    """The case's PHI may not be disclosed to the caller's law firm: no HIPAA authorization
    naming it is in force (``case_id`` says which case, for a page to explain)."""

    code, title = "hipaa_authorization_required", "HIPAA authorization required"

    def __init__(self, detail: str, *, case_id: int) -> None:
        super().__init__(detail)
        self.case_id = case_id


class RateLimited(LienRxError):
    """Too many attempts; ``retry_after`` says how many seconds to wait."""

    status, code, title = 429, "rate_limited", "Too many requests"

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail, retry_after=retry_after)
        self.retry_after = retry_after


class NotFound(LienRxError):
    status, code, title = 404, "not_found", "Not found"


class ServiceUnavailable(LienRxError):
    """The request could not finish for now (it lost a race for the database); nothing was
    saved, and the same request may be sent again after ``retry_after`` seconds."""

    status, code, title = 503, "temporarily_unavailable", "Temporarily unavailable"

    def __init__(self, detail: str | None = None, *, retry_after: int = 1) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class Conflict(LienRxError):
    """A business rule refuses the action; ``code`` names the rule."""

    status, title = 409, "Conflict"

    def __init__(self, code: str, detail: str | None = None, **extra: Any) -> None:
        super().__init__(detail, **extra)
        self.code = code
        self.title = code.replace("_", " ").capitalize()


class ValidationFailed(LienRxError):
    """Field validation failed; ``errors`` maps each bad field to its messages."""

    status, code, title = 422, "validation_failed", "Validation failed"

    def __init__(self, errors: dict[str, Any], detail: str | None = None) -> None:
        super().__init__(detail or "One or more fields are invalid.")
        self.errors = errors


def field_error(field: str, message: str) -> ValidationFailed:
    """A ValidationFailed for a single field."""
    return ValidationFailed({field: [message]})


class PayloadTooLarge(ValidationFailed):
    """An uploaded file is larger than its rule allows (413); ``errors`` names the field, so a
    page shows it beside the file input."""

    status, code, title = 413, "payload_too_large", "Payload too large"
