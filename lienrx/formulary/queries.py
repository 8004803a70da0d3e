"""Read models of the formulary: a product seen with the price in effect on a date."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa

from lienrx.extensions import db
from lienrx.formulary.models import Product
from lienrx.formulary.services import ListedPrice, price_on


@dataclass
class ProductView:
    """A product with the price list entry in effect (cents; None when unpriced) and the
    schedule that governs it where the pharmacy is (None: not controlled there)."""

    product: Product
    price: ListedPrice | None
    effective_schedule: str | None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.product, name)

    @property
    def unit_price_cents(self) -> int | None:
        return None if self.price is None else self.price.unit_price_cents

    @property
    def dispensing_fee_cents(self) -> int | None:
        return None if self.price is None else self.price.dispensing_fee_cents

    @property
    def compounding_fee_cents(self) -> int | None:
        return None if self.price is None else self.price.compounding_fee_cents


def with_prices(products: Sequence[Product], on_date: date,
                schedule_of: Callable[[Product], str | None]) -> list[ProductView]:
    """Attach the price in effect on ``on_date`` to each product, and its schedule."""
    return [ProductView(p, price_on(p.id, on_date), schedule_of(p)) for p in products]


def active_products() -> list[Product]:
    """The active formulary by code."""
    return list(db.session.execute(
        sa.select(Product).where(Product.active.is_(True)).order_by(Product.code)).scalars())


def compounded_products() -> list[Product]:
    """Active compounded products (those with a master formulation)."""
    return [p for p in active_products() if p.kind == "compounded" and p.formulation is not None]
