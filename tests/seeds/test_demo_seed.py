"""`lienrx seed demo`: a first look with real records, loaded once."""

from lienrx.cases.models import Case
from lienrx.dispensing.models import Dispense
from lienrx.extensions import db
from lienrx.ledger.invariants import check_ledger
from lienrx.ledger.queries import case_balance


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
