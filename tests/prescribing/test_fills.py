"""The interface dispensing uses: lock a prescription, record and reverse fills."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from lienrx.core import clock
from lienrx.core.errors import Conflict, NotFound
from lienrx.extensions import db
from lienrx.prescribing import fills, services
from tests.formulary.factories import load_products, prescription


@pytest.fixture
def cream_rx(ctx, world):
    load_products("KET-CRM-10")
    rx = prescription(world.case_id, world.prescriber_id, "KET-CRM-10",
                      quantity=Decimal(30), refills_authorized=1)
    db.session.commit()
    return rx.id


def record(rx, quantity, **kw):
    """Plan and record a dispense of ``quantity`` as dispensing does."""
    return services.record_fill(rx, fills.plan_fill(rx, Decimal(quantity), combine=False), **kw)


def test_record_fill_numbers_fills_and_exhausts_the_prescription(cream_rx):
    rx = services.lock_prescription(cream_rx)
    assert record(rx, "12.5") == 1
    assert record(rx, "17.5") == 2
    assert rx.quantity_remaining == 30 and rx.status == "active"
    assert record(rx, 30) == 3
    assert rx.quantity_remaining == 0 and rx.status == "exhausted"
    db.session.commit()


def test_record_fill_beyond_quantity_times_refills_is_refills_exhausted(cream_rx):
    rx = services.lock_prescription(cream_rx)
    record(rx, 30)
    record(rx, 30)
    with pytest.raises(Conflict) as again:
        record(rx, 1)
    assert again.value.code == "refills_exhausted"


def test_record_fill_after_expires_on_is_prescription_expired(cream_rx):
    rx = services.lock_prescription(cream_rx)
    assert services.effective_status(rx, rx.expires_on) == "active"
    with pytest.raises(Conflict) as refused:
        record(rx, 1, on_date=rx.expires_on + timedelta(days=1))
    assert refused.value.code == "prescription_expired"


def test_cancelled_prescription_cannot_be_filled(cream_rx):
    services.cancel_prescription(None, cream_rx, "duplicate entry")
    rx = services.lock_prescription(cream_rx)
    with pytest.raises(Conflict) as refused:
        record(rx, 1, on_date=clock.today())
    assert refused.value.code == "invalid_transition"


def test_reverse_fill_reopens_an_exhausted_prescription(cream_rx):
    rx = services.lock_prescription(cream_rx)
    record(rx, 30)
    plan = fills.plan_fill(rx, Decimal(30), combine=False)
    services.record_fill(rx, plan)
    services.reverse_fill(rx, list(plan.parts))
    assert rx.status == "active" and rx.quantity_remaining == 30 and rx.fills_dispensed == 2


def test_lock_unknown_prescription_is_not_found(ctx):
    with pytest.raises(NotFound):
        services.lock_prescription(123456)


@pytest.mark.postgres_only
def test_lock_prescription_holds_a_row_lock_until_commit(cream_rx):
    services.lock_prescription(cream_rx)
    with db.engine.connect() as other:
        other.exec_driver_sql("SET lock_timeout = '200ms'")
        with pytest.raises(sa.exc.OperationalError):
            other.execute(sa.text("SELECT id FROM prescriptions WHERE id = :id FOR UPDATE"),
                          {"id": cream_rx})
    db.session.commit()
