"""Formulary API: products with their current prices and master formulations."""

from __future__ import annotations

from typing import Any

from flask import current_app

from lienrx.core import clock
from lienrx.core.api import ApiBlueprint, paged
from lienrx.core.security import STAFF, require_roles
from lienrx.formulary import services
from lienrx.formulary.models import Product
from lienrx.formulary.queries import with_prices
from lienrx.formulary.schemas import ProductDetailSchema, ProductListArgs, ProductSchema
from lienrx.prescribing import rules as rx_rules

blp = ApiBlueprint("formulary_api", __name__, description="Formulary: products and prices")


@blp.route("/products", methods=["GET"])
@require_roles(*STAFF)
@blp.arguments(ProductListArgs, location="query")
@blp.response(200, ProductSchema(many=True))
@blp.paginate()
def list_products(args: dict[str, Any], pagination_parameters: Any) -> Any:
    """The formulary with today's prices; `?code=` picks one product."""
    found = services.list_products(page=pagination_parameters.page,
                                   page_size=pagination_parameters.page_size, **args)
    return paged(found, pagination_parameters, with_prices(found, clock.today(), _schedule))


@blp.route("/products/<int:product_id>", methods=["GET"])
@require_roles(*STAFF)
@blp.response(200, ProductDetailSchema)
def get_product(product_id: int) -> Any:
    """One product; compounded products carry their current master formulation."""
    return with_prices([services.get_product(product_id)], clock.today(), _schedule)[0]


def _schedule(product: Product) -> str | None:
    """The schedule in the pharmacy's state: federal, else the state's own (None: none)."""
    return rx_rules.schedule_in_state(product.dea_schedule, product.dur_classes or [],
                                      current_app.config["LIENRX_PHARMACY_STATE"])
