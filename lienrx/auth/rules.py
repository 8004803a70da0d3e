"""Who belongs to a law firm: attorneys to exactly one, staff to none."""

from __future__ import annotations

from lienrx.core.security import ATTORNEY

ATTORNEY_NEEDS_FIRM = "Attorneys belong to a law firm."
STAFF_HAVE_NO_FIRM = "Only attorneys belong to a law firm."


def firm_problem(role: str, law_firm_id: int | None) -> str | None:
    """Why ``law_firm_id`` does not fit ``role`` (the firm's existence is checked apart)."""
    if role == ATTORNEY and law_firm_id is None:
        return ATTORNEY_NEEDS_FIRM
    if role != ATTORNEY and law_firm_id is not None:
        return STAFF_HAVE_NO_FIRM
    return None
