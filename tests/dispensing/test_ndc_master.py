"""SPEC §7.2 NDC master: a commercial dispense records a package NDC the product lists."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from lienrx.core import clock
from lienrx.core.errors import ValidationFailed
from lienrx.dispensing.models import Dispense
from lienrx.extensions import db
from lienrx.formulary import services as formulary
from tests.formulary.factories import prescription

TWO_NDCS = [{"ndc": "11111-2222-33", "labeler": "First Labeler", "source": "label A"},
            {"ndc": "4444-5555-66", "labeler": "Second Labeler", "source": "label B"}]


@pytest.fixture
def rph(api_as):
    return api_as("pharmacist", name="Pat Pharmacist, PharmD")


def _rx_for(app: Any, world: Any, code: str, ndcs: list[dict[str, Any]]) -> int:
    """A priced commercial product listing ``ndcs``, prescribed on the world's case."""
    with app.app_context():
        product, _ = formulary.upsert_product(
            None, code=code, name=f"{code} tablet", kind="commercial", dosage_form="tablet",
            route="oral", strength="10 mg", strength_mg_per_unit=10, unit="each",
            dea_schedule=None, hazardous=False, dur_classes=[])
        formulary.set_product_ndcs(None, product, ndcs)
        formulary.set_price(None, product, effective_from=clock.today(),
                            unit_price_cents=10, dispensing_fee_cents=100)
        rx = prescription(world.case_id, world.prescriber_id, code, quantity=Decimal(30),
                          days_supply=30)
        db.session.commit()
        return rx.id


def _fill(rx_id: int, **extra: Any) -> dict[str, Any]:
    return {"prescription_id": rx_id, "quantity": 30, "days_supply": 30, **extra}


def _dispense_count(app: Any) -> int:
    with app.app_context():
        return db.session.query(Dispense).count()


def test_ndc_not_on_the_product_is_422_on_ndc(rph, app, world):
    rx_id = _rx_for(app, world, "TWO-NDC-10", TWO_NDCS)
    response = rph.post("/api/v1/dispenses", json=_fill(rx_id, ndc="99999-8888-77"))
    assert response.status_code == 422, response.json
    assert "ndc" in response.json["errors"]
    assert _dispense_count(app) == 0


def test_ndc_of_the_product_is_recorded_normalised(rph, app, world):
    rx_id = _rx_for(app, world, "TWO-NDC-10", TWO_NDCS)
    response = rph.post("/api/v1/dispenses", json=_fill(rx_id, ndc="4444-5555-66"))
    assert response.status_code == 201, response.json
    assert response.json["ndc"] == "04444555566"


def test_ndc_must_be_sent_when_the_product_has_several_422(rph, app, world):
    rx_id = _rx_for(app, world, "TWO-NDC-10", TWO_NDCS)
    response = rph.post("/api/v1/dispenses", json=_fill(rx_id))
    assert response.status_code == 422, response.json
    assert "ndc" in response.json["errors"]


def test_malformed_ndc_is_422_on_ndc(rph, app, world):
    rx_id = _rx_for(app, world, "TWO-NDC-10", TWO_NDCS)
    response = rph.post("/api/v1/dispenses", json=_fill(rx_id, ndc="1234567890"))
    assert response.status_code == 422 and "ndc" in response.json["errors"]


def test_ndc_may_be_omitted_when_the_product_has_exactly_one(rph, app, world):
    rx_id = _rx_for(app, world, "ONE-NDC-10", TWO_NDCS[:1])
    response = rph.post("/api/v1/dispenses", json=_fill(rx_id))
    assert response.status_code == 201, response.json
    assert response.json["ndc"] == "11111222233"
    with app.app_context():
        assert db.session.query(Dispense).one().ndc == "11111222233"


def test_product_without_ndcs_is_409_ndc_required(rph, app, world):
    rx_id = _rx_for(app, world, "NO-NDC-10", [])
    for body in (_fill(rx_id), _fill(rx_id, ndc="11111-2222-33")):
        response = rph.post("/api/v1/dispenses", json=body)
        assert response.status_code == 409, response.json
        assert response.json["code"] == "ndc_required"
    assert _dispense_count(app) == 0


def test_setting_the_ndcs_makes_the_first_the_default_and_drops_the_rest(app):
    with app.app_context():
        product, _ = formulary.upsert_product(
            None, code="SET-NDC-10", name="x", kind="commercial", dosage_form="tablet",
            route="oral", strength="10 mg", unit="each", hazardous=False, dur_classes=[])
        assert formulary.set_product_ndcs(None, product, TWO_NDCS) is True
        assert product.ndc == "11111222233" and product.ndc_source == "label A"
        assert formulary.set_product_ndcs(None, product, TWO_NDCS) is False
        assert formulary.set_product_ndcs(None, product, TWO_NDCS[1:]) is True
        assert formulary.dispensable_ndcs(product.id) == ("04444555566",)
        assert product.ndc == "04444555566"


def test_compounded_products_carry_no_ndcs_422(app):
    with app.app_context():
        product, _ = formulary.upsert_product(
            None, code="CMP-NDC-10", name="x", kind="compounded", dosage_form="cream",
            route="topical", strength="10%", unit="g", hazardous=False, dur_classes=[])
        with pytest.raises(ValidationFailed):
            formulary.set_product_ndcs(None, product, TWO_NDCS[:1])
