"""No-recovery closing letters: issue one when a case closes without recovery; compose it."""

from __future__ import annotations

import sqlalchemy as sa

from lienrx.audit import services as audit
from lienrx.cases import services as cases
from lienrx.cases.models import Case, LienAgreement
from lienrx.cases.rules import CLOSED_NO_RECOVERY, LETTER
from lienrx.core import clock
from lienrx.core.actors import Actor
from lienrx.core.errors import Conflict, NotFound
from lienrx.extensions import db
from lienrx.settlement import letters
from lienrx.settlement.models import ClosingLetter
from lienrx.settlement.queries import case_totals

TEMPLATE = "letters/closing_letter.html"


def _latest_agreement(case_id: int) -> LienAgreement | None:
    """The agreement the case's charges were made under last (active or superseded)."""
    return db.session.execute(
        sa.select(LienAgreement).where(LienAgreement.case_id == case_id)
        .order_by(LienAgreement.id.desc()).limit(1)).scalar_one_or_none()


def issue(actor: Actor, case: Case, *, written_off: int) -> ClosingLetter:
    """Freeze the facts of the closing (after the write-off of ``written_off`` cents) and
    store the letter."""
    totals = case_totals(case.id)
    agreement = _latest_agreement(case.id)
    letter = ClosingLetter(case_id=case.id, issued_by_user_id=actor.id,
                           billed_cents=totals.charges - totals.reversals,
                           written_off_cents=written_off,
                           non_recourse=agreement is not None and agreement.non_recourse,
                           agreement_signed_on=agreement.signed_on if agreement else None)
    db.session.add(letter)
    db.session.flush()
    audit.record(actor, "closing_letter.issued", "closing_letter", letter.id,
                 {"case_id": case.id, "written_off": written_off,
                  "non_recourse": letter.non_recourse})
    return letter


def issued_for(case_id: int) -> ClosingLetter | None:
    """The closing letter issued for a case, if any."""
    return db.session.execute(
        sa.select(ClosingLetter).where(ClosingLetter.case_id == case_id)).scalar_one_or_none()


def letter(actor: Actor, case_id: int) -> letters.Letter:
    """The no-recovery closing letter of a case the actor may see (a PHI read: it names the
    client); a case not closed without recovery has none (409
    `case_not_closed_without_recovery`)."""
    case = cases.get_case(actor, case_id, disclosing=LETTER)
    if case.status != CLOSED_NO_RECOVERY:
        raise Conflict("case_not_closed_without_recovery",
                       "The case has not been closed without recovery, so it has no closing "
                       "letter.")
    closing = issued_for(case.id)
    if closing is None:
        raise NotFound("No closing letter has been issued for this case.")
    audit.record(actor, "closing_letter.read", "closing_letter", closing.id,
                 {"case_id": case.id})
    return letters.compose(
        case, template=TEMPLATE, title="Lien closed without recovery",
        filename=f"closing-letter-case-{case.id}.pdf", dated=clock.local_date(closing.issued_at),
        totals=case_totals(case.id), written_off=closing.written_off_cents,
        non_recourse=closing.non_recourse, agreement_signed_on=closing.agreement_signed_on)
