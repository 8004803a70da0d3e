"""Release letters: issue one when a paid case closes; compose it as a letter to the firm."""

from __future__ import annotations

import sqlalchemy as sa

from lienrx.audit import services as audit
from lienrx.cases import services as cases
from lienrx.cases.models import Case
from lienrx.cases.rules import LETTER
from lienrx.core import clock
from lienrx.core.actors import Actor
from lienrx.core.errors import NotFound
from lienrx.extensions import db
from lienrx.settlement import letters
from lienrx.settlement.models import ReleaseLetter
from lienrx.settlement.queries import case_totals, last_payment_date

TEMPLATE = "letters/release_letter.html"


def issue(actor: Actor, case: Case) -> ReleaseLetter:
    """Freeze the facts of the release (after the residual write-off) and store the letter."""
    totals = case_totals(case.id)
    paid_on = last_payment_date(case.id)
    if paid_on is None:
        raise ValueError("a release letter needs a payment")
    letter = ReleaseLetter(case_id=case.id, issued_by_user_id=actor.id,
                           billed_cents=totals.charges - totals.reversals,
                           amount_paid_cents=totals.payments - totals.refunds, paid_on=paid_on,
                           reduced=totals.reductions + totals.write_offs > 0)
    db.session.add(letter)
    db.session.flush()
    audit.record(actor, "release_letter.issued", "release_letter", letter.id,
                 {"case_id": case.id, "amount_paid": letter.amount_paid_cents,
                  "reduced": letter.reduced})
    return letter


def issued_for(case_id: int) -> ReleaseLetter | None:
    """The release letter issued for a case, if any."""
    return db.session.execute(
        sa.select(ReleaseLetter).where(ReleaseLetter.case_id == case_id)).scalar_one_or_none()


def letter(actor: Actor, case_id: int) -> letters.Letter:
    """The release letter of a case the actor may see (a PHI read: it names the client).

    The ledger of a closed case takes no further entry, so its totals are those at release.
    """
    case = cases.get_case(actor, case_id, disclosing=LETTER)
    release = issued_for(case.id)
    if release is None:
        raise NotFound("No release letter has been issued for this case.")
    audit.record(actor, "release_letter.read", "release_letter", release.id,
                 {"case_id": case.id})
    return letters.compose(
        case, template=TEMPLATE, title="Lien satisfaction and release",
        filename=f"release-case-{case.id}.pdf", dated=clock.local_date(release.issued_at),
        totals=case_totals(case.id), amount_paid=release.amount_paid_cents,
        paid_on=release.paid_on, billed=release.billed_cents, reduced=release.reduced)
