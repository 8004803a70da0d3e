"""The LienRx error hierarchy: services raise these, one place maps them to responses."""

from __future__ import annotations

from typing import Any


class LienRxError(Exception):
    """Base of every error a service may raise on purpose."""

    status = 500
    code = "internal_error"
    title = "Something went wrong"
    # A refusal that still records facts (DUR alerts found, a failed sign-in): the unit of
    # work commits what was done before it instead of rolling it back (core.unit_of_work).
    keeps_facts = False

    def __init__(self, detail: str | None = None, **extra: Any) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.extra = extra


class BadRequest(LienRxError):
    status, code, title = 400, "bad_request", "The request could not be read"


class Unauthenticated(LienRxError):
    status, code, title = 401, "unauthenticated", "Sign-in required"


class Forbidden(LienRxError):
    status, code, title = 403, "forbidden", "Not allowed"


class AuthorizationRequired(Forbidden):
    """The case's PHI may not be disclosed to the caller's law firm: no HIPAA authorization
    naming it is in force (``case_id`` says which case, for a page to explain)."""

    code, title = "hipaa_authorization_required", "HIPAA authorization required"

    def __init__(self, detail: str, *, case_id: int) -> None:
        super().__init__(detail)
        self.case_id = case_id


class RateLimited(LienRxError):
    """Too many attempts; ``retry_after`` says how many seconds to wait."""

    status, code, title = 429, "rate_limited", "Too many attempts"

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail, retry_after=retry_after)
        self.retry_after = retry_after


class NotFound(LienRxError):
    status, code, title = 404, "not_found", "Not found"


class ServiceUnavailable(LienRxError):
    """The request could not finish for now (it lost a race for the database); nothing was
    saved, and the same request may be sent again after ``retry_after`` seconds."""

    status, code, title = 503, "temporarily_unavailable", "Busy for a moment"

    def __init__(self, detail: str | None = None, *, retry_after: int = 1) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


# What each business rule's refusal is called where people read it (a page's "Refused: …",
# a problem's title); the code itself is the API's contract and never changes.
CONFLICT_TITLES = {
    "already_reversed": "Already reversed",
    "already_revoked": "Already revoked",
    "beyond_use_date_passed": "The batch is past its beyond-use date",
    "case_closed": "The case is closed",
    "case_not_closed_without_recovery": "This case has no closing letter",
    "compounding_not_verified": "The batch is not verified yet",
    "days_supply_exceeds_bud": "The supply runs past the batch's beyond-use date",
    "days_supply_inconsistent": "More a day than the prescribed dose",
    "dur_unresolved": "Drug-use review alerts need a pharmacist's resolution",
    "email_taken": "This e-mail already has an account",
    "formulation_not_approved": "The master formulation is not approved",
    "idempotency_key_in_progress": "The same request is still being processed",
    "idempotency_key_reused": "This request key was used for a different request",
    "insufficient_inventory": "Not enough in the lot",
    "invalid_transition": "Not possible in its current status",
    "lien_not_active": "No lien agreement in force",
    "ndc_required": "The package NDC is needed",
    "pdmp_pharmacy_incomplete": "The pharmacy's details are incomplete",
    "pdmp_records_unreportable": "Some records must be corrected first",
    "pdmp_sftp_failed": "Sending the file failed",
    "pdmp_sftp_not_configured": "Sending by SFTP is not set up",
    "possible_duplicate_patient": "This patient may already be registered",
    "prescription_expired": "The prescription has expired",
    "price_missing": "No price is set for the fill date",
    "qc_out_of_spec": "A quality check is out of specification",
    "quantity_exceeds_fill": "More than remains of this fill",
    "refill_too_soon": "Too soon to refill",
    "refills_exhausted": "Refills exhausted",
    "return_exceeds_draw": "More would return than was drawn",
    "settlement_required": "Record the settlement first",
    "totp_already_enrolled": "Two-step sign-in is already on",
    "totp_not_enrolled": "Two-step sign-in is off",
    "totp_not_pending": "No two-step sign-in set-up to confirm",
}


class Conflict(LienRxError):
    """A business rule refuses the action; ``code`` names the rule."""

    status, title = 409, "Not possible"

    def __init__(self, code: str, detail: str | None = None, **extra: Any) -> None:
        super().__init__(detail, **extra)
        self.code = code
        self.title = CONFLICT_TITLES.get(code) or code.replace("_", " ").capitalize()
        if detail is None:
            self.detail = self.title + "."


class ValidationFailed(LienRxError):
    """Field validation failed; ``errors`` maps each bad field to its messages."""

    status, code, title = 422, "validation_failed", "Some fields need correcting"

    def __init__(self, errors: dict[str, Any], detail: str | None = None) -> None:
        super().__init__(detail or "Some fields are missing or not valid: each says why.")
        self.errors = errors


def field_error(field: str, message: str) -> ValidationFailed:
    """A ValidationFailed for a single field."""
    return ValidationFailed({field: [message]})


class PayloadTooLarge(ValidationFailed):
    """An uploaded file is larger than its rule allows (413); ``errors`` names the field, so a
    page shows it beside the file input."""

    status, code, title = 413, "payload_too_large", "The file is too large"
