"""Reversals and the case ledger (API.md "Dispensing and the lien ledger", SPEC §4.7)."""

import pytest
import sqlalchemy as sa

from lienrx.compounding.models import CompoundingRecord
from lienrx.dispensing import services as dispensing
from lienrx.dispensing.models import Dispense
from lienrx.extensions import db
from lienrx.prescribing.models import Prescription
from tests import factories
from tests.dispensing.conftest import cream_fill, gabapentin_fill

# Gabapentin is schedule V in Tennessee: reversing its fill says what becomes of the stock.
RETURNED = {"disposition": "return_to_stock"}


@pytest.fixture
def rph(api_as):
    return api_as("pharmacist")


def test_reverse_posts_reversing_entry_and_restores_quantities(rph, api_as, app, counter):
    fill = rph.post("/api/v1/dispenses", json=cream_fill(counter)).json
    response = rph.post(f"/api/v1/dispenses/{fill['id']}/reverse",
                        json={"reason": "patient returned unopened jar", **RETURNED})
    assert response.status_code == 200
    assert response.json["status"] == "reversed"
    assert response.json["reversal_reason"] == "patient returned unopened jar"
    ledger = api_as("billing").get(f"/api/v1/cases/{counter.case_id}/ledger").json
    assert ledger["balance"] == "0.00"
    assert ledger["totals"]["charges"] == "132.00"
    assert ledger["totals"]["reversals"] == "132.00"
    assert [e["kind"] for e in ledger["entries"]] == ["charge", "reversal"]
    assert [e["amount"] for e in ledger["entries"]] == ["132.00", "-132.00"]
    assert all(e["dispense_id"] == fill["id"] for e in ledger["entries"])
    with app.app_context():
        assert db.session.get(CompoundingRecord, counter.batch_id).remaining_quantity == 120
        assert db.session.get(Prescription, counter.cream_rx).quantity_dispensed == 0


def test_already_reversed_409(rph, counter):
    fill = rph.post("/api/v1/dispenses", json=gabapentin_fill(counter)).json
    assert rph.post(f"/api/v1/dispenses/{fill['id']}/reverse",
                    json={"reason": "entered in error", **RETURNED}).status_code == 200
    again = rph.post(f"/api/v1/dispenses/{fill['id']}/reverse",
                     json={"reason": "again", **RETURNED})
    assert again.status_code == 409
    assert again.json["code"] == "already_reversed"


def test_reverse_needs_a_reason_422_and_a_pharmacist_403(rph, api_as, counter):
    fill = rph.post("/api/v1/dispenses", json=gabapentin_fill(counter)).json
    assert rph.post(f"/api/v1/dispenses/{fill['id']}/reverse", json={}).status_code == 422
    assert api_as("billing").post(f"/api/v1/dispenses/{fill['id']}/reverse",
                                  json={"reason": "x", **RETURNED}).status_code == 403


def test_reverse_on_closed_case_is_case_closed(rph, app, counter):
    fill = rph.post("/api/v1/dispenses", json=gabapentin_fill(counter)).json
    with app.app_context():
        factories.close(counter.case_id, "paid")
        db.session.commit()
    response = rph.post(f"/api/v1/dispenses/{fill['id']}/reverse",
                        json={"reason": "x", **RETURNED})
    assert response.json["code"] == "case_closed"


def test_reverse_refuses_a_dispense_without_its_charge_entry(rph, app, counter):
    fill = rph.post("/api/v1/dispenses", json=gabapentin_fill(counter)).json
    with app.app_context():
        db.session.execute(sa.update(Dispense).where(Dispense.id == fill["id"])
                           .values(charge_entry_id=None))
        db.session.commit()
        with pytest.raises(RuntimeError, match="no charge entry"):
            dispensing.reverse(factories.user("pharmacist"), fill["id"], "entered in error",
                               "return_to_stock")
        db.session.rollback()
        assert db.session.get(Dispense, fill["id"]).status == "dispensed"


def test_unknown_dispense_404(rph):
    assert rph.get("/api/v1/dispenses/999999").status_code == 404
    assert rph.post("/api/v1/dispenses/999999/reverse",
                    json={"reason": "x", **RETURNED}).status_code == 404


def test_ledger_balance_rises_by_exactly_the_priced_charges(rph, api_as, counter):
    rph.post("/api/v1/dispenses", json=gabapentin_fill(counter))
    rph.post("/api/v1/dispenses", json=cream_fill(counter))
    ledger = api_as("billing").get(f"/api/v1/cases/{counter.case_id}/ledger").json
    assert ledger["balance"] == "184.50"  # 52.50 + 132.00
    assert ledger["totals"] == {"charges": "184.50", "reversals": "0.00",
                                "reductions": "0.00", "payments": "0.00",
                                "write_offs": "0.00", "refunds": "0.00"}
    entry = ledger["entries"][0]
    assert set(entry) >= {"id", "kind", "amount", "posted_at", "occurred_on", "memo",
                          "dispense_id"}
    case = api_as("billing").get(f"/api/v1/cases/{counter.case_id}").json
    assert case["balance"] == "184.50"


def test_attorney_reads_own_firm_ledger_and_dispense_only(rph, api_as, counter):
    fill = rph.post("/api/v1/dispenses", json=gabapentin_fill(counter)).json
    own = api_as("attorney", firm=counter.firm_id)
    other = api_as("attorney")
    assert own.get(f"/api/v1/cases/{counter.case_id}/ledger").json["balance"] == "52.50"
    assert own.get(f"/api/v1/dispenses/{fill['id']}").json["charge"] == "52.50"
    assert other.get(f"/api/v1/cases/{counter.case_id}/ledger").status_code == 404
    assert other.get(f"/api/v1/dispenses/{fill['id']}").status_code == 404


def test_technician_cannot_read_the_ledger_403(api_as, counter):
    assert api_as("technician").get(f"/api/v1/cases/{counter.case_id}/ledger").status_code == 403


def test_ledger_verify_passes_after_dispenses_and_reversals(rph, runner, counter):
    fill = rph.post("/api/v1/dispenses", json=gabapentin_fill(counter)).json
    rph.post("/api/v1/dispenses", json=cream_fill(counter))
    rph.post(f"/api/v1/dispenses/{fill['id']}/reverse", json={"reason": "x", **RETURNED})
    result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code == 0, result.output
    assert "3 entries" in result.output


def test_reversal_reason_of_490_characters_is_kept_whole_in_the_memo(rph, api_as, counter):
    fill = rph.post("/api/v1/dispenses", json=gabapentin_fill(counter)).json
    reason = "r" * 489 + "!"
    response = rph.post(f"/api/v1/dispenses/{fill['id']}/reverse",
                        json={"reason": reason, **RETURNED})
    assert response.status_code == 200
    assert response.json["reversal_reason"] == reason
    entries = api_as("billing").get(f"/api/v1/cases/{counter.case_id}/ledger").json["entries"]
    assert entries[-1]["memo"] == f"Reversal: {reason}"
    assert len(entries[-1]["memo"]) == 500


@pytest.mark.parametrize("length", [491, 500])
def test_reversal_reason_longer_than_the_memo_holds_is_422_on_reason(rph, counter, length):
    fill = rph.post("/api/v1/dispenses", json=gabapentin_fill(counter)).json
    response = rph.post(f"/api/v1/dispenses/{fill['id']}/reverse",
                        json={"reason": "r" * length})
    assert response.status_code == 422
    assert list(response.json["errors"]) == ["reason"]
    assert "490" in response.json["errors"]["reason"][0]
    assert rph.get(f"/api/v1/dispenses/{fill['id']}").json["status"] == "dispensed"
