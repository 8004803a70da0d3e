"""SPEC §5: a crash mid-request leaves no partial dispense and no unbalanced entry."""

from decimal import Decimal

from lienrx.audit import services as audit
from lienrx.audit.models import AuditEvent
from lienrx.compounding.models import CompoundingRecord
from lienrx.dispensing.models import Dispense
from lienrx.extensions import db
from lienrx.ledger.models import JournalEntry, Posting
from lienrx.prescribing.models import Prescription
from tests.dispensing.conftest import cream_fill


def test_failure_after_ledger_post_leaves_nothing_behind(api_as, app, counter, monkeypatch):
    rph = api_as("pharmacist")
    with app.app_context():
        events_before = db.session.query(AuditEvent).count()
    real_record = audit.record

    def crash_on_dispense(actor, action, *args, **kwargs):
        if action == "dispense.created":  # after the dispense row and the ledger entry
            raise RuntimeError("disk on fire")
        return real_record(actor, action, *args, **kwargs)

    monkeypatch.setattr(audit, "record", crash_on_dispense)
    response = rph.post("/api/v1/dispenses", json=cream_fill(counter))
    assert response.status_code == 500
    assert "disk on fire" not in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(Dispense).count() == 0
        assert db.session.query(JournalEntry).count() == 0
        assert db.session.query(Posting).count() == 0
        assert db.session.query(AuditEvent).count() == events_before
        assert db.session.get(Prescription, counter.cream_rx).quantity_dispensed == 0
        assert db.session.get(CompoundingRecord, counter.batch_id).remaining_quantity == (
            Decimal(120))
    monkeypatch.setattr(audit, "record", real_record)
    assert rph.post("/api/v1/dispenses", json=cream_fill(counter)).status_code == 201
