"""The process's copies of the reference data (lienrx.core.reference): read once per change,
never stale after a change committed by another process or made in the same transaction, and
never holding a change that was rolled back."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import sqlalchemy as sa

from lienrx.core import clock
from lienrx.core.identifiers import normalize_ndc
from lienrx.dur import services as dur
from lienrx.extensions import db
from lienrx.formulary import services as formulary
from lienrx.formulary.models import ProductPrice
from tests.formulary.factories import GABAPENTIN_300_NDC, load_products
from tests.sql import selects, sent

CODE = "GABA-CAP-300"


def reads(work: Callable[[], Any]) -> list[str]:
    """The SELECTs ``work`` runs."""
    return selects(sent(work, db.engine))


def read_everything(product_id: int) -> None:
    formulary.price_on(product_id, clock.today())
    formulary.dispensable_ndcs(product_id)
    dur.active_rules()
    dur.class_index()


def test_reference_data_is_read_once_per_change_not_once_per_dispense(ctx):
    product_id = load_products(CODE)[CODE]
    db.session.commit()
    read_everything(product_id)
    db.session.commit()
    assert len(reads(lambda: read_everything(product_id))) == 1  # the token only
    db.session.commit()
    db.session.add(ProductPrice(product_id=product_id, effective_from=date(2020, 1, 1),
                                effective_to=date(2021, 1, 1), unit_price_cents=1,
                                dispensing_fee_cents=1))
    db.session.commit()
    assert len(reads(lambda: read_everything(product_id))) == 5  # token, then all four


def test_a_price_changed_by_another_server_process_applies_from_its_next_transaction(ctx):
    product_id = load_products(CODE)[CODE]
    db.session.commit()
    assert formulary.price_on(product_id, clock.today()).unit_price_cents == 45
    db.session.commit()
    with db.engine.begin() as other:  # another worker's connection, as an admin's change
        other.execute(sa.update(ProductPrice).where(ProductPrice.product_id == product_id)
                      .values(unit_price_cents=61))
    assert formulary.price_on(product_id, clock.today()).unit_price_cents == 61


def test_a_dur_class_added_elsewhere_is_seen_by_the_next_review(ctx):
    load_products(CODE)
    db.session.commit()
    assert "zz-test-ingredient" not in dur.class_index()
    db.session.commit()
    with db.engine.begin() as other:
        other.execute(sa.text("INSERT INTO dur_classes (code, ingredients) "
                              "VALUES ('zz_test_class', '[\"zz-test-ingredient\"]')"))
    assert dur.class_index()["zz-test-ingredient"] == frozenset({"zz_test_class"})


def test_a_change_in_the_same_transaction_is_seen_at_once(ctx):
    product_id = load_products(CODE)[CODE]
    db.session.commit()
    assert normalize_ndc(GABAPENTIN_300_NDC) in formulary.dispensable_ndcs(product_id)
    formulary.set_price(None, formulary.get_product(product_id), effective_from=clock.today(),
                        unit_price_cents=77, dispensing_fee_cents=1)
    assert formulary.price_on(product_id, clock.today()).unit_price_cents == 77


def test_a_rolled_back_price_change_leaves_no_trace_in_the_copy(ctx):
    product_id = load_products(CODE)[CODE]
    db.session.commit()
    formulary.set_price(None, formulary.get_product(product_id), effective_from=clock.today(),
                        unit_price_cents=77, dispensing_fee_cents=1)
    assert formulary.price_on(product_id, clock.today()).unit_price_cents == 77
    db.session.rollback()
    assert formulary.price_on(product_id, clock.today()).unit_price_cents == 45
