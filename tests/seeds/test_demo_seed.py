"""`lienrx seed demo`: a first look with real records, loaded once."""

import sqlalchemy as sa

from lienrx.audit.models import AuditEvent
from lienrx.cases.models import Case
from lienrx.dispensing.models import Dispense
from lienrx.extensions import db
from lienrx.ledger.invariants import check_ledger
from lienrx.ledger.queries import case_balance
from lienrx.prescribing.models import Prescription


def test_demo_has_an_active_case_with_fills_charged_to_the_lien(runner, ctx):
    first = runner.invoke(args=["seed", "demo"])
    assert first.exit_code == 0, first.output
    assert "attorney@demo.lienrx.test" in first.output
    again = runner.invoke(args=["seed", "demo"])
    assert "already present" in again.output
    db.session.remove()
    (case,) = db.session.query(Case).all()
    assert case.status == "active"
    fills = db.session.query(Dispense).filter_by(case_id=case.id).all()
    assert len(fills) == 2 and all(f.patient_paid_cents == 0 for f in fills)
    assert case_balance(case.id) == sum(f.charge_cents for f in fills) > 0
    assert check_ledger()[1] == []


def test_demo_prescriptions_had_their_dur_review_at_entry(runner, ctx):
    """The seed enters prescriptions through the same use case as the API and the pages."""
    assert runner.invoke(args=["seed", "demo"]).exit_code == 0
    db.session.remove()
    prescriptions = db.session.query(Prescription).all()
    assert len(prescriptions) == 2
    for rx in prescriptions:
        events = db.session.execute(
            sa.select(AuditEvent.action, AuditEvent.actor_label)
            .where(AuditEvent.entity_type == "prescription", AuditEvent.entity_id == str(rx.id))
            .order_by(AuditEvent.seq)).all()
        # reviewed at entry by whoever entered it, before the fill reviews it again
        entered_by = events[0].actor_label
        assert [tuple(e) for e in events[:2]] == [("prescription.created", entered_by),
                                                  ("dur.evaluated", entered_by)], events
