"""SPEC §5–6: an append-only, hash-chained audit trail that detects tampering."""

from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from lienrx.audit import services as audit
from lienrx.audit.models import AuditEvent
from lienrx.extensions import db
from tests import factories


@pytest.fixture
def chain(ctx):
    """Ten events: a law firm, users, a patient and a case, each audited."""
    firm = factories.law_firm()
    factories.case(firm)
    db.session.commit()
    assert db.session.query(AuditEvent).count() >= 5
    return ctx


@contextmanager
def tampering():
    """Step around the append-only triggers, as someone with direct database access could."""
    conn = db.session.connection()
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("ALTER TABLE audit_events DISABLE TRIGGER USER")
        yield conn
        conn.exec_driver_sql("ALTER TABLE audit_events ENABLE TRIGGER USER")
    else:
        conn.exec_driver_sql("DROP TRIGGER audit_events_no_update")
        conn.exec_driver_sql("DROP TRIGGER audit_events_no_delete")
        yield conn
    db.session.commit()


def verify(runner):
    db.session.remove()
    return runner.invoke(args=["audit", "verify"])


def test_intact_chain_verifies(chain, runner):
    result = verify(runner)
    assert result.exit_code == 0, result.output
    assert "intact" in result.output


def test_every_event_links_to_the_previous_hash(chain):
    events = db.session.query(AuditEvent).order_by(AuditEvent.id).all()
    assert events[0].prev_hash == "0" * 64
    for before, after in zip(events, events[1:], strict=False):
        assert after.prev_hash == before.hash
        assert after.seq == before.seq + 1


def test_modified_event_fails_verification(chain, runner):
    with tampering() as conn:
        conn.exec_driver_sql("UPDATE audit_events SET action = 'nothing.happened' WHERE seq = 3")
    result = verify(runner)
    assert result.exit_code == 1
    assert "event 3" in result.output and "does not match its hash" in result.output


def test_deleted_event_fails_verification(chain, runner):
    with tampering() as conn:
        conn.exec_driver_sql("DELETE FROM audit_events WHERE seq = 2")
    result = verify(runner)
    assert result.exit_code == 1
    assert "deleted or the events were reordered" in result.output


def test_reordered_events_fail_verification(chain, runner):
    with tampering() as conn:
        conn.exec_driver_sql("UPDATE audit_events SET seq = -1 WHERE seq = 2")
        conn.exec_driver_sql("UPDATE audit_events SET seq = 2 WHERE seq = 3")
        conn.exec_driver_sql("UPDATE audit_events SET seq = 3 WHERE seq = -1")
    result = verify(runner)
    assert result.exit_code == 1
    assert "BROKEN" in result.output


def test_event_cut_from_the_end_fails_verification(chain, runner):
    last = db.session.query(sa.func.max(AuditEvent.seq)).scalar()
    with tampering() as conn:
        conn.execute(sa.text("DELETE FROM audit_events WHERE seq = :seq"), {"seq": last})
    result = verify(runner)
    assert result.exit_code == 1
    assert "removed from the end" in result.output


def test_audit_events_are_append_only_in_the_database(chain):
    for statement in ("UPDATE audit_events SET action = 'x'", "DELETE FROM audit_events"):
        with pytest.raises(DBAPIError):
            db.session.execute(sa.text(statement))
        db.session.rollback()


@pytest.mark.postgres_only
def test_audit_events_cannot_be_truncated_on_postgresql(chain):
    with pytest.raises(DBAPIError):
        db.session.execute(sa.text("TRUNCATE audit_events"))
    db.session.rollback()


def test_event_records_actor_action_entity_time_and_request(api_as, ctx):
    billing = api_as("billing")
    firm_id = billing.post("/api/v1/law-firms", json={"name": "Audited LLP"}).json["id"]
    event = db.session.query(AuditEvent).filter_by(action="law_firm.created").one()
    assert (event.actor_user_id, event.entity_type, event.entity_id) == (
        billing.user_id, "law_firm", str(firm_id))
    assert event.occurred_at.tzinfo is not None
    assert len(event.request_id) >= 8


def test_request_id_is_echoed_and_recorded(api_as, ctx):
    billing = api_as("billing")
    response = billing.post("/api/v1/law-firms", json={"name": "Traced LLP"},
                            headers={"X-Request-ID": "trace-12345678"})
    assert response.headers["X-Request-ID"] == "trace-12345678"
    event = db.session.query(AuditEvent).filter_by(action="law_firm.created").one()
    assert event.request_id == "trace-12345678"


def test_refused_requests_leave_no_audit_event(api_as, ctx):
    before = db.session.query(AuditEvent).count()
    api_as("billing").post("/api/v1/law-firms", json={"name": ""})
    db.session.remove()
    # only the factory's own events (user created, token issued) were added
    assert db.session.query(AuditEvent).filter_by(action="law_firm.created").count() == 0
    assert db.session.query(AuditEvent).count() == before + 2


def test_record_direct_call_chains_after_api_events(chain):
    event = audit.record(None, "test.event", "thing", 1, {"n": 1})
    db.session.commit()
    assert event.prev_hash == db.session.query(AuditEvent).filter(
        AuditEvent.seq == event.seq - 1).one().hash


@pytest.mark.postgres_only
def test_two_first_commits_on_a_new_database_both_chain(ctx):
    """A fresh database has no chain head: the first commit creates it. A concurrent first
    commit waits on that insert and then chains after it, instead of failing."""
    import threading

    from sqlalchemy.orm import Session

    from lienrx.audit.models import AuditChainHead

    assert db.session.get(AuditChainHead, 1) is None
    first, second = Session(db.engine), Session(db.engine)
    audit.locked_head(first)  # inserts the head, uncommitted: the twin will wait on it
    outcome: dict[str, object] = {}

    def twin() -> None:
        try:
            outcome["head"] = audit.locked_head(second).seq
            second.commit()
        except Exception as exc:  # noqa: BLE001 - the test reports what the twin hit
            outcome["error"] = type(exc).__name__

    thread = threading.Thread(target=twin)
    thread.start()
    thread.join(timeout=1)
    assert thread.is_alive(), "the twin should wait for the first insert"
    first.commit()
    thread.join(timeout=10)
    first.close(), second.close()
    assert outcome == {"head": 0}
