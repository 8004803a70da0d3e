"""Load the formulary seed (products, formulations, prices, DUR rules and the DUR classes'
ingredients) through the services."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from importlib import resources
from typing import Any

from lienrx.dur import services as dur
from lienrx.extensions import db
from lienrx.formulary import services as formulary

SEED_FILE = "formulary.json"
PRODUCT_KEYS = ("name", "kind", "dosage_form", "route", "strength", "strength_mg_per_unit",
                "unit", "dea_schedule", "hazardous", "dur_classes",
                "indication", "max_quantity_per_fill", "max_days_supply", "limits_source",
                "active_ingredient")


def seed_data() -> dict[str, Any]:
    """The seed document shipped inside the package."""
    text = resources.files("lienrx.seeds").joinpath(SEED_FILE).read_text(encoding="utf-8")
    return dict(json.loads(text))


def _load_product(item: dict[str, Any]) -> int:
    product, changed = formulary.upsert_product(
        None, code=item["code"], **{k: item.get(k) for k in PRODUCT_KEYS},
        medication_guide=bool(item.get("medication_guide")))
    count = int(changed)
    if item["kind"] == "commercial":
        count += int(formulary.set_product_ndcs(None, product, item.get("ndcs", [])))
    for price in item.get("prices", []):
        _, created = formulary.set_price(
            None, product, effective_from=date.fromisoformat(price["effective_from"]),
            effective_to=(date.fromisoformat(price["effective_to"])
                          if price.get("effective_to") else None),
            unit_price_cents=price["unit_price_cents"],
            dispensing_fee_cents=price["dispensing_fee_cents"],
            compounding_fee_cents=price.get("compounding_fee_cents"))
        count += int(created)
    for mfr in item.get("formulations", []):
        fields = {k: v for k, v in mfr.items() if k != "batch_quantity"}
        formulation, created = formulary.add_formulation(
            None, product, batch_quantity=Decimal(str(mfr["batch_quantity"])), **fields)
        # No pharmacist of this pharmacy reviewed the seed: the system approves what it
        # loaded, marked as such, until a pharmacist approves it on the compounding page.
        count += int(created) + int(formulary.approve_as_seeded(formulation))
    return count


def load_formulary(data: dict[str, Any] | None = None) -> int:
    """Create or update every seeded record (flush only); return how many changed."""
    data = data or seed_data()
    changed = sum(_load_product(item) for item in data["products"])
    for rule in data["dur_rules"]:
        _, was_changed = dur.upsert_rule(None, **rule)
        changed += int(was_changed)
    for code, item in data.get("dur_classes", {}).items():
        _, was_changed = dur.upsert_class(None, code=code, **item)
        changed += int(was_changed)
    return changed


def seed_formulary() -> int:
    """Load the formulary seed and commit; safe to run on every start."""
    changed = load_formulary()
    db.session.commit()
    return changed
