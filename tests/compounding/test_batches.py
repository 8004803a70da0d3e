"""The interface dispensing uses: lock a batch, check it is dispensable, draw from it."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from lienrx.auth.models import User
from lienrx.compounding import services
from lienrx.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from lienrx.extensions import db
from tests import factories
from tests.formulary.factories import load_products, lots_for, passing_qc


def _batch(code: str = "KET-CRM-10", *, verify: bool = True) -> int:
    load_products(code)
    compounder, checker = factories.user("technician"), factories.user("pharmacist")
    lots = [{**lot, "expiration_date": date.fromisoformat(lot["expiration_date"]),
             "quantity": Decimal(str(lot["quantity"]))} for lot in lots_for(code, 100)]
    record = services.record_batch(compounder, product_id=load_products(code)[code],
                                   quantity=Decimal(100), ingredients=lots,
                                   qc_results=passing_qc(code, 100))
    if verify:
        services.verify_batch(checker, record.id)
    db.session.commit()
    return record.id


def test_draw_reduces_the_remaining_quantity(ctx):
    batch = services.lock_batch(_batch())
    services.draw_from_batch(batch, Decimal("30.5"))
    services.draw_from_batch(batch, Decimal("69.5"))
    assert batch.remaining_quantity == 0
    db.session.commit()


def test_batch_cannot_be_over_dispensed(ctx):
    batch = services.lock_batch(_batch())
    services.draw_from_batch(batch, Decimal(90))
    with pytest.raises(ValidationFailed) as refused:
        services.draw_from_batch(batch, Decimal("10.001"))
    assert "quantity" in refused.value.errors


def test_unverified_batch_is_compounding_not_verified(ctx):
    batch = services.lock_batch(_batch(verify=False))
    with pytest.raises(Conflict) as refused:
        services.draw_from_batch(batch, Decimal(1))
    assert refused.value.code == "compounding_not_verified"


def test_nothing_is_dispensed_on_or_after_the_bud(ctx):
    batch = services.lock_batch(_batch())
    services.check_dispensable(batch, batch.beyond_use_date - timedelta(days=1))
    with pytest.raises(Conflict) as refused:
        services.draw_from_batch(batch, Decimal(1), on_date=batch.beyond_use_date)
    assert refused.value.code == "beyond_use_date_passed"


def test_return_to_batch_never_exceeds_the_batch(ctx):
    batch = services.lock_batch(_batch())
    services.draw_from_batch(batch, Decimal(10))
    services.return_to_batch(batch, Decimal(25))
    assert batch.remaining_quantity == 100


def test_hazardous_label_carries_the_usp800_warning(ctx):
    batch = services.get_batch(_batch("PBZ-CAP-10"))
    label = services.label_info(batch)
    assert label["hazardous"] is True and label["auxiliary_labels"][0].startswith("HAZARDOUS")
    assert label["lot_number"] == batch.lot_number and "compounded" in label["compounded"]


def test_plain_batch_label_has_no_hazard_warning(ctx):
    label = services.label_info(services.get_batch(_batch()))
    assert label["hazardous"] is False
    assert not any(text.startswith("HAZARDOUS") for text in label["auxiliary_labels"])


def test_verification_needs_a_pharmacist_in_the_service_too(ctx):
    record_id = _batch(verify=False)
    technician = db.session.get(User, services.get_batch(record_id).compounded_by_user_id)
    with pytest.raises(Forbidden):
        services.verify_batch(technician, record_id)


def test_lock_unknown_batch_is_not_found(ctx):
    with pytest.raises(NotFound):
        services.lock_batch(999)
