"""Cases closed without recovery before closing letters were stored get theirs when the
database is upgraded, with the facts the ledger and the agreement hold."""

from __future__ import annotations

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from lienrx.cases import services as cases
from lienrx.core import clock
from lienrx.extensions import db
from lienrx.settlement import services as settlement
from lienrx.settlement.models import ClosingLetter
from tests import factories

BEFORE_CLOSING_LETTERS = "49770652b8e8"


def facts() -> list[tuple]:
    return [(c.case_id, c.billed_cents, c.written_off_cents, c.non_recourse,
             c.agreement_signed_on)
            for c in db.session.execute(sa.select(ClosingLetter).order_by(ClosingLetter.case_id))
            .scalars()]


def test_cases_already_closed_without_recovery_get_their_letter_from_the_ledger(ctx):
    billing = factories.user("billing")
    firm = factories.law_firm()
    paid_part, recourse, paid = (factories.case(firm).id for _ in range(3))
    for case_id in (paid_part, recourse, paid):
        factories.ledger_charge(case_id, 10_000)
    settlement.record_payment(billing, paid_part, amount=2_500, received_on=clock.today(),
                              reference="CHK 1")
    settlement.write_off(billing, paid_part, amount=500, reason="courtesy")
    cases.record_lien_agreement(None, recourse, signed_on=clock.today(), patient_signed=True,
                                non_recourse=False)
    for case_id in (paid_part, recourse):
        settlement.close_case(billing, case_id, outcome="no_recovery", reason="case dropped")
    factories.close(paid)
    db.session.commit()
    issued = facts()
    assert [row[:3] for row in issued] == [(paid_part, 10_000, 7_000), (recourse, 10_000, 10_000)]

    directory = ctx.extensions["migrate"].directory
    db.session.remove()
    downgrade(directory=directory, revision=BEFORE_CLOSING_LETTERS)
    upgrade(directory=directory)
    assert facts() == issued
