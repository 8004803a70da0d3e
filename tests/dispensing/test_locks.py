"""Row locks in one order (lienrx.core.locks): case → prescription → product → batch →
dispense → DUR alert → reduction request → audit chain head."""

from __future__ import annotations

import logging
import re
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from lienrx.cases import services as cases
from lienrx.cases.models import Case
from lienrx.core import locks
from lienrx.dispensing import services as dispensing
from lienrx.extensions import db
from lienrx.prescribing import services as prescribing
from tests import factories

PACKAGE = Path(__file__).resolve().parents[2] / "lienrx"


def test_every_row_lock_goes_through_core_locks():
    """No SELECT … FOR UPDATE outside lienrx/core/locks.py, so the order is kept in one place."""
    pattern = re.compile(r"with_for_update|SELECT [^\"']* FOR UPDATE")
    offenders = [str(path.relative_to(PACKAGE)) for path in PACKAGE.rglob("*.py")
                 if path.name != "locks.py" and pattern.search(path.read_text())]
    assert offenders == []


@pytest.fixture
def request_ctx(ctx):
    """Inside a request, as the API and the pages call the services."""
    with ctx.test_request_context("/api/v1/dispenses", method="POST"):
        yield ctx


def test_a_table_locked_after_a_later_one_is_a_lock_order_error(request_ctx, counter):
    prescribing.lock_prescription(counter.cream_rx)
    with pytest.raises(locks.LockOrderError, match="cases locked after prescriptions"):
        cases.get_case(None, counter.case_id, for_update=True)
    db.session.rollback()


def test_a_command_running_use_case_after_use_case_is_not_checked(ctx, counter):
    """A seed or command: case after case in one transaction, alone."""
    prescribing.lock_prescription(counter.cream_rx)
    assert isinstance(cases.get_case(None, counter.case_id, for_update=True), Case)
    db.session.rollback()


def test_a_row_already_held_may_be_locked_again(ctx, counter):
    cases.get_case(None, counter.case_id, for_update=True)
    prescribing.lock_prescription(counter.cream_rx)
    cases.get_case(None, counter.case_id, for_update=True)  # ours already: no new lock
    assert locks.taken() == ["cases", "prescriptions"]
    db.session.rollback()


def test_the_order_starts_afresh_with_each_transaction(ctx, counter):
    prescribing.lock_prescription(counter.cream_rx)
    db.session.rollback()
    assert locks.taken() == []
    cases.get_case(None, counter.case_id, for_update=True)
    prescribing.lock_prescription(counter.cream_rx)
    db.session.commit()
    assert locks.taken() == []


def test_a_table_outside_the_order_cannot_be_locked(ctx):
    from lienrx.parties.models import LawFirm

    with pytest.raises(locks.LockOrderError, match="no place"):
        locks.lock(sa.select(LawFirm), LawFirm)


def test_outside_tests_and_debug_a_broken_order_is_logged_not_refused(request_ctx, counter,
                                                                      caplog, monkeypatch):
    monkeypatch.setattr(request_ctx, "testing", False)
    prescribing.lock_prescription(counter.cream_rx)
    with caplog.at_level(logging.ERROR, logger="lienrx.locks"):
        case = cases.get_case(None, counter.case_id, for_update=True)
    assert isinstance(case, Case)
    assert "cases locked after prescriptions" in caplog.text
    db.session.rollback()


def test_dispense_locks_case_then_prescription_then_batch(ctx, counter):
    rph = factories.user("pharmacist")
    dispensing.dispense(rph, dispensing.DispenseRequest(
        prescription_id=counter.cream_rx, quantity=Decimal(30), days_supply=30,
        compounding_record_id=counter.batch_id))
    assert locks.taken() == ["cases", "prescriptions", "compounding_records"]
    db.session.commit()


def test_reverse_locks_case_prescription_batch_then_the_dispense(ctx, counter):
    rph = factories.user("pharmacist")
    fill = dispensing.dispense(rph, dispensing.DispenseRequest(
        prescription_id=counter.cream_rx, quantity=Decimal(30), days_supply=30,
        compounding_record_id=counter.batch_id))
    db.session.commit()
    dispensing.reverse(rph, fill.id, "entered in error", "return_to_stock")
    assert locks.taken() == ["cases", "prescriptions", "compounding_records", "dispenses"]
    db.session.commit()


def test_the_audit_chain_head_is_locked_last_by_the_commit(ctx, counter):
    cases.hold_case(None, counter.case_id, "client unreachable")
    seen: list[list[str]] = []

    def listener(session, _context):
        seen.append(list(locks.taken(session)))

    sa.event.listen(db.session(), "after_flush", listener)
    try:
        db.session.commit()
    finally:
        sa.event.remove(db.session(), "after_flush", listener)
    assert seen[-1] == ["cases", "audit_chain_heads"]


def test_a_released_savepoint_leaves_the_audit_chain_head_to_the_commit(ctx, counter):
    from lienrx.audit import services as audit
    from lienrx.audit.models import AuditEvent

    cases.get_case(None, counter.case_id, for_update=True)
    with db.session.begin_nested():
        audit.record(None, "probe.in_savepoint", "case", counter.case_id)
    assert locks.taken() == ["cases"]
    prescribing.lock_prescription(counter.cream_rx)  # still in order: the head is not held
    db.session.commit()
    assert db.session.query(AuditEvent).filter_by(action="probe.in_savepoint").count() == 1
    assert audit.verify_chain()[1] is None
