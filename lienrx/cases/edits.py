"""Edits of a case after it was opened: its file number and the facts of the injury.

The law firm is not changed here (that is a substitution of counsel, ``transfer_case``), nor
the diagnoses (prescriptions name them). Attestations already signed stay as they were signed;
the next version of the POGOS shows the new values.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from lienrx.audit import edits
from lienrx.cases import rules
from lienrx.cases.models import Case
from lienrx.cases.services import get_case, refuse_if_closed
from lienrx.core import clock
from lienrx.core.actors import Actor
from lienrx.core.errors import ValidationFailed
from lienrx.extensions import db


def edit_case(actor: Actor, case_id: int, *, reason: str | None = None,
              **values: Any) -> Case:
    """Correct a case's editable fields (``rules.EDITABLE_CASE_FIELDS``): each field sent is
    set, a null clears an optional one. A change to a fact of the injury
    (``rules.CASE_FIELDS_NEEDING_REASON``) needs a reason; a closed case is not edited
    (409 `case_closed`). Audited as ``case.edited``: old and new values of the codes only."""
    unknown = set(values) - set(rules.EDITABLE_CASE_FIELDS)
    if unknown:
        raise TypeError(f"not editable case fields: {sorted(unknown)}")
    case = get_case(actor, case_id, for_update=True)
    refuse_if_closed(case, "its record is final")
    if values.get("jurisdiction"):
        values["jurisdiction"] = values["jurisdiction"].upper()
    _check(case, values, reason)
    changed = edits.apply(case, values)
    db.session.flush()
    edits.record_edit(actor, "case", case.id, changed, phi_free=rules.PHI_FREE_CASE_FIELDS,
                      reason=reason)
    return case


def _check(case: Case, values: dict[str, Any], reason: str | None) -> None:
    errors: dict[str, list[str]] = {}
    injured: date | None = values.get("date_of_injury")
    if injured is not None:
        if injured > clock.today():
            errors["date_of_injury"] = ["The date of injury is in the future."]
        elif case.suit_filed_on is not None and injured > case.suit_filed_on:
            errors["date_of_injury"] = ["The injury cannot be after the suit was filed "
                                        f"({case.suit_filed_on.isoformat()})."]
    needing = [name for name in rules.CASE_FIELDS_NEEDING_REASON
               if name in values and values[name] != getattr(case, name)]
    if needing and not (reason or "").strip():
        errors["reason"] = ["Say why the facts of the injury change (e.g. the police report "
                            "gives another date)."]
    if errors:
        raise ValidationFailed(errors)
