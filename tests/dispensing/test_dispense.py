"""SPEC §4.3–4.5 and API.md "Dispensing and the lien ledger": fills at $0 on the lien."""

from datetime import timedelta
from decimal import Decimal

import pytest

from lienrx.audit.models import AuditEvent
from lienrx.auth.models import User
from lienrx.compounding.models import CompoundingRecord
from lienrx.core import clock
from lienrx.dispensing.labels import TRANSFER_CAUTION
from lienrx.dispensing.models import Dispense
from lienrx.extensions import db
from lienrx.formulary import services as formulary
from lienrx.inventory import services as inventory
from lienrx.ledger.models import JournalEntry
from lienrx.prescribing.models import Prescription
from tests import factories
from tests.dispensing.conftest import cream_fill, gabapentin_fill, pending_batch
from tests.formulary.factories import (
    GABAPENTIN_300_NDC,
    SUPPLIER_DEA,
    load_products,
    prescription,
)


@pytest.fixture
def rph(api_as):
    return api_as("pharmacist", name="Pat Pharmacist, PharmD")


def balance(api_as, case_id):
    return api_as("billing").get(f"/api/v1/cases/{case_id}/ledger").json["balance"]


def test_gabapentin_fill_charges_the_lien_and_patient_pays_nothing(rph, api_as, counter):
    response = rph.post("/api/v1/dispenses", json=gabapentin_fill(counter))
    assert response.status_code == 201, response.json
    body = response.json
    assert body["fill_number"] == 1
    assert body["patient_paid"] == "0.00"
    assert body["charge"] == "52.50"  # 90 × 0.45 + 12.00 dispensing fee
    assert body["status"] == "dispensed" and body["case_id"] == counter.case_id
    assert body["ndc"] == "65162010210"
    assert balance(api_as, counter.case_id) == "52.50"


def test_ketamine_cream_fill_from_verified_batch_adds_compounding_fee(rph, api_as, counter):
    body = rph.post("/api/v1/dispenses", json=cream_fill(counter)).json
    assert body["charge"] == "132.00"  # 30 g × 2.50 + 12.00 + 45.00 compounding fee
    assert body["compounding_fee"] == "45.00"
    assert balance(api_as, counter.case_id) == "132.00"
    with rph.client.application.app_context():
        batch = db.session.get(CompoundingRecord, counter.batch_id)
        assert batch.remaining_quantity == 90


def test_label_carries_the_required_elements(rph, counter):
    label = rph.post("/api/v1/dispenses", json=cream_fill(counter)).json["label"]
    assert label["rx_number"] == f"RX{counter.cream_rx:07d}"
    assert label["patient"].startswith("Jordan ")
    assert label["prescriber"] == "Morgan Pain"
    assert label["directions"] == "Apply 1 g to the affected limb three times daily"
    assert label["quantity"] == "30 g"
    assert label["refills_left"] == 2
    assert label["compounded"] is True and label["beyond_use_date"]
    assert label["pharmacist"] == "Pat Pharmacist, PharmD"
    assert TRANSFER_CAUTION in label["warnings"]  # ketamine is Schedule III
    assert label["pharmacy"]["name"]


def test_non_controlled_label_has_no_transfer_caution(rph, counter):
    label = rph.post("/api/v1/dispenses", json=gabapentin_fill(counter)).json["label"]
    assert TRANSFER_CAUTION not in label["warnings"]
    assert label["compounded"] is False and label["lot_number"] == "GB2291A"


def test_each_dispense_gets_the_next_fill_number(rph, counter):
    first = rph.post("/api/v1/dispenses", json=cream_fill(counter, quantity=10)).json
    second = rph.post("/api/v1/dispenses", json=cream_fill(
        counter, quantity=10, override_refill_too_soon={"reason": "partial fill"})).json
    assert (first["fill_number"], second["fill_number"]) == (1, 2)


def test_lien_not_active_refuses_on_intake_case(rph, app, counter):
    with app.app_context():
        factories.transfer(counter.case_id)  # substitution of counsel: back to intake
        db.session.commit()
    response = rph.post("/api/v1/dispenses", json=gabapentin_fill(counter))
    assert response.status_code == 409
    assert response.json["code"] == "lien_not_active"


@pytest.mark.parametrize("outcome", ["paid", "no_recovery"])
def test_case_closed_refuses_charges(rph, app, counter, outcome):
    assert rph.post("/api/v1/dispenses", json=cream_fill(counter)).status_code == 201
    with app.app_context():
        factories.close(counter.case_id, outcome)
        db.session.commit()
    response = rph.post("/api/v1/dispenses", json=gabapentin_fill(counter))
    assert response.status_code == 409
    assert response.json["code"] == "case_closed"


def test_prescription_expired_refuses(rph, app, counter):
    with app.app_context():
        expires = db.session.get(Prescription, counter.gabapentin_rx).expires_on
    clock.freeze(clock.utcnow() + timedelta(days=(expires - clock.today()).days + 1))
    response = rph.post("/api/v1/dispenses", json=gabapentin_fill(counter))
    assert response.status_code == 409
    assert response.json["code"] == "prescription_expired"


def test_refills_exhausted_when_quantity_exceeds_what_remains(rph, counter):
    response = rph.post("/api/v1/dispenses", json=gabapentin_fill(counter, quantity=181))
    assert response.status_code == 409
    assert response.json["code"] == "refills_exhausted"


def test_total_dispensed_never_exceeds_quantity_times_refills_plus_one(rph, counter):
    fill = gabapentin_fill(counter, override_refill_too_soon={"reason": "vacation supply"})
    assert rph.post("/api/v1/dispenses", json=fill).status_code == 201
    assert rph.post("/api/v1/dispenses", json=fill).status_code == 201
    third = rph.post("/api/v1/dispenses", json=fill)
    assert third.status_code == 409 and third.json["code"] == "refills_exhausted"


def test_refill_too_soon_refused_then_overridden_with_reason(rph, counter):
    assert rph.post("/api/v1/dispenses", json=gabapentin_fill(counter)).status_code == 201
    # Tennessee schedules gabapentin as V: threshold 0.80 × 30 days = 24
    clock.freeze(clock.utcnow() + timedelta(days=23))
    early = rph.post("/api/v1/dispenses", json=gabapentin_fill(counter))
    assert early.status_code == 409
    assert early.json["code"] == "refill_too_soon"
    overridden = rph.post("/api/v1/dispenses", json=gabapentin_fill(
        counter, override_refill_too_soon={"reason": "lost supply, police report 4471"}))
    assert overridden.status_code == 201
    assert overridden.json["refill_override_reason"] == "lost supply, police report 4471"


def test_refill_on_time_needs_no_override(rph, counter):
    assert rph.post("/api/v1/dispenses", json=gabapentin_fill(counter)).status_code == 201
    clock.freeze(clock.utcnow() + timedelta(days=24))  # 0.80 × 30 (Schedule V in TN)
    assert rph.post("/api/v1/dispenses", json=gabapentin_fill(counter)).status_code == 201


def test_refill_too_soon_threshold_for_non_controlled_is_075(rph, app, counter):
    with app.app_context():
        load_products("DULO-CAP-30")
        rx = prescription(counter.case_id, counter.prescriber_id, "DULO-CAP-30",
                          quantity=30, days_supply=30, refills_authorized=3)
        db.session.commit()
        rx_id = rx.id
    fill = {"prescription_id": rx_id, "quantity": 30, "days_supply": 30,
            "ndc": "46708-279-90"}
    assert rph.post("/api/v1/dispenses", json=fill).status_code == 201
    clock.freeze(clock.utcnow() + timedelta(days=22))  # 22 < 0.75 × 30 = 22.5
    assert rph.post("/api/v1/dispenses", json=fill).json["code"] == "refill_too_soon"
    clock.freeze(clock.utcnow() + timedelta(days=1))
    assert rph.post("/api/v1/dispenses", json=fill).status_code == 201


def test_refill_too_soon_threshold_for_schedule_iii_is_085(rph, counter):
    assert rph.post("/api/v1/dispenses", json=cream_fill(counter)).status_code == 201
    clock.freeze(clock.utcnow() + timedelta(days=25))  # 25 < 0.85 × 30 = 25.5
    assert rph.post("/api/v1/dispenses", json=cream_fill(counter)).json["code"] == (
        "refill_too_soon")
    clock.freeze(clock.utcnow() + timedelta(days=1))
    # The 35-day batch's BUD falls within this second 30-day supply.
    assert rph.post("/api/v1/dispenses", json=cream_fill(
        counter, bud_override={"reason": "Patient told to discard after the BUD"})
    ).status_code == 201


def test_compounding_not_verified_refuses(rph, app, counter):
    with app.app_context():
        pending_id = pending_batch("KET-CRM-10", 60,
                                   db.session.get(User, counter.compounder_id))
        db.session.commit()
    response = rph.post("/api/v1/dispenses",
                        json=cream_fill(counter, compounding_record_id=pending_id))
    assert response.status_code == 409
    assert response.json["code"] == "compounding_not_verified"


def test_beyond_use_date_passed_refuses(rph, app, counter):
    with app.app_context():
        bud = db.session.get(CompoundingRecord, counter.batch_id).beyond_use_date
    clock.freeze(clock.utcnow() + timedelta(days=(bud - clock.today()).days))  # on the BUD
    response = rph.post("/api/v1/dispenses", json=cream_fill(
        counter, override_refill_too_soon={"reason": "n/a"}))
    assert response.status_code == 409
    assert response.json["code"] == "beyond_use_date_passed"


def test_batch_cannot_be_over_dispensed_422(rph, counter):
    fill = cream_fill(counter, override_refill_too_soon={"reason": "x"})
    for _ in range(3):
        assert rph.post("/api/v1/dispenses", json=fill).status_code == 201
    # 90 g dispensed of 90 g authorised; the batch still has 30 g, the Rx has none
    assert rph.post("/api/v1/dispenses", json=fill).json["code"] == "refills_exhausted"


def test_compounded_fill_needs_a_batch_422(rph, counter):
    body = cream_fill(counter)
    del body["compounding_record_id"]
    response = rph.post("/api/v1/dispenses", json=body)
    assert response.status_code == 422
    assert "compounding_record_id" in response.json["errors"]


def test_wrong_ndc_422(rph, counter):
    response = rph.post("/api/v1/dispenses", json=gabapentin_fill(counter, ndc="0378-2610-01"))
    assert response.status_code == 422
    assert "ndc" in response.json["errors"]


@pytest.mark.parametrize(("field", "value"), [
    ("quantity", 0), ("quantity", -5), ("quantity", "lots"), ("days_supply", 0),
    ("prescription_id", 999999), ("dispensed_on", "2999-01-01"),
])
def test_bad_dispense_fields_422(rph, counter, field, value):
    response = rph.post("/api/v1/dispenses", json=gabapentin_fill(counter, **{field: value}))
    assert response.status_code == 422
    assert field in response.json["errors"]


def test_only_pharmacists_dispense_403(api_as, counter):
    for role in ("technician", "billing", "admin", "attorney"):
        assert api_as(role).post("/api/v1/dispenses",
                                 json=gabapentin_fill(counter)).status_code == 403


def test_refusal_writes_nothing(rph, app, counter):
    rph.post("/api/v1/dispenses", json=gabapentin_fill(counter, quantity=500))
    with app.app_context():
        assert db.session.query(Dispense).count() == 0
        assert db.session.query(JournalEntry).count() == 0
        assert db.session.query(AuditEvent).filter(
            AuditEvent.action.like("dispense.%")).count() == 0
        assert db.session.get(Prescription, counter.gabapentin_rx).quantity_dispensed == 0


def _unpriced_product(case_id, prescriber_id, price_window):
    """A commercial product on a prescription, its price list as ``price_window`` says."""
    product, _ = formulary.upsert_product(
        None, code="NAPROX-TAB-500", name="Naproxen 500 mg tablet", kind="commercial",
        dosage_form="tablet", route="oral", strength="500 mg", strength_mg_per_unit=500,
        unit="each", dea_schedule=None, ndc="00093-0149-01", hazardous=False, dur_classes=[])
    today = clock.today()
    if price_window == "starts_tomorrow":
        formulary.set_price(None, product, effective_from=today + timedelta(days=1),
                            unit_price_cents=30, dispensing_fee_cents=1200)
    elif price_window == "ended_today":
        formulary.set_price(None, product, effective_from=today - timedelta(days=365),
                            effective_to=today, unit_price_cents=30, dispensing_fee_cents=1200)
    return prescription(case_id, prescriber_id, "NAPROX-TAB-500", quantity=60, days_supply=30).id


@pytest.mark.parametrize("price_window", ["no_price_list", "starts_tomorrow", "ended_today"])
def test_price_missing_refuses_a_fill_with_no_price_in_effect(rph, app, world, price_window):
    with app.app_context():
        rx_id = _unpriced_product(world.case_id, world.prescriber_id, price_window)
        db.session.commit()
    response = rph.post("/api/v1/dispenses",
                        json={"prescription_id": rx_id, "quantity": 60, "days_supply": 30})
    assert response.status_code == 409, response.json
    assert response.json["code"] == "price_missing"
    with app.app_context():  # nothing was filled or charged
        assert db.session.query(Dispense).count() == 0
        assert db.session.query(JournalEntry).count() == 0
        assert db.session.get(Prescription, rx_id).quantity_dispensed == 0


def _central_evening(day):
    """21:00 Central on ``day``, which is already the next day in UTC."""
    from datetime import datetime, time
    from zoneinfo import ZoneInfo

    moment = datetime.combine(day, time(21), ZoneInfo("America/Chicago"))
    assert moment.astimezone(ZoneInfo("UTC")).date() == day + timedelta(days=1)
    return moment


def test_a_dispense_without_a_date_is_dated_the_pharmacys_day_not_utcs(rph, counter):
    day = clock.today() + timedelta(days=1)
    clock.freeze(_central_evening(day))
    response = rph.post("/api/v1/dispenses", json=gabapentin_fill(counter))
    assert response.status_code == 201, response.json
    assert response.json["dispensed_on"] == day.isoformat()


def test_a_prescription_can_be_filled_until_its_last_day_ends_at_the_pharmacy(rph, app, counter):
    with app.app_context():
        expires = db.session.get(Prescription, counter.gabapentin_rx).expires_on
    clock.freeze(_central_evening(expires))  # already the day after expiry in UTC
    response = rph.post("/api/v1/dispenses", json=gabapentin_fill(counter))
    assert response.status_code == 201, response.json
    assert response.json["dispensed_on"] == expires.isoformat()


def test_a_lot_expired_by_the_fill_date_is_422_on_lot_expiration_date(rph, counter):
    lapsed = clock.today() - timedelta(days=1)
    response = rph.post("/api/v1/dispenses", json=gabapentin_fill(
        counter, lot_expiration_date=lapsed.isoformat()))
    assert response.status_code == 422
    assert response.json["errors"]["lot_expiration_date"] == [
        f"Lot GB2291A expired on {lapsed.isoformat()}: it cannot be dispensed on "
        f"{clock.today().isoformat()}."]
    in_date = rph.post("/api/v1/dispenses", json=gabapentin_fill(
        counter, lot_expiration_date=clock.today().isoformat()))
    assert in_date.status_code == 201, in_date.json  # good through its expiry date


def test_a_received_lot_past_its_expiry_is_not_dispensed(rph, app, counter):
    with app.app_context():
        lot = inventory.receive(
            None, ndc=GABAPENTIN_300_NDC, lot_number="GB-OLD", quantity=Decimal(500),
            unit="each", expiration_date=clock.today() + timedelta(days=20),
            supplier="Test Distributor", supplier_dea_number=SUPPLIER_DEA,
            invoice_number="INV-OLD", received_on=clock.today(),
            product_id=db.session.get(Prescription, counter.gabapentin_rx).product_id)
        expiry = lot.expiration_date
        db.session.commit()
    clock.freeze(clock.utcnow() + timedelta(days=21))
    response = rph.post("/api/v1/dispenses", json=gabapentin_fill(counter, lot_number="GB-OLD"))
    assert response.status_code == 422
    assert response.json["errors"]["lot_expiration_date"] == [
        f"Lot GB-OLD expired on {expiry.isoformat()}: it cannot be dispensed on "
        f"{clock.today().isoformat()}."]
