"""GET /products and /products/{id}: the formulary with prices and master formulations."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from lienrx.core import clock
from lienrx.extensions import db
from lienrx.formulary import services
from lienrx.formulary.models import ProductPrice
from tests.formulary.factories import load_products


def test_products_list_the_formulary_with_prices_as_decimal_strings(seeded, tech):
    response = tech.get("/api/v1/products")
    assert response.status_code == 200
    by_code = {p["code"]: p for p in response.json}
    assert set(by_code) == set(seeded)
    cream = by_code["KET-CRM-10"]
    assert cream["kind"] == "compounded" and cream["dea_schedule"] == "III"
    assert (cream["unit_price"], cream["dispensing_fee"], cream["compounding_fee"]) == (
        "2.50", "12.00", "45.00")
    gabapentin = by_code["GABA-CAP-300"]
    assert gabapentin["ndc"] == "65162010210" and gabapentin["compounding_fee"] is None
    assert cream["ndcs"] == []


def test_products_show_ndcs(seeded, tech):
    by_code = {p["code"]: p for p in tech.get("/api/v1/products").json}
    gabapentin_detail = tech.get(f"/api/v1/products/{seeded['GABA-CAP-300']}").json
    assert gabapentin_detail["ndcs"][0] == {"ndc": "65162010210",
                                            "labeler": "Amneal Pharmaceuticals"}
    assert by_code["GABA-CAP-300"]["ndcs"] == gabapentin_detail["ndcs"]
    assert all(set(entry) == {"ndc", "labeler"} for entry in gabapentin_detail["ndcs"])


def test_products_filter_by_code(seeded, tech):
    response = tech.get("/api/v1/products?code=ket-tro-25")
    assert [p["code"] for p in response.json] == ["KET-TRO-25"]


def test_compounded_product_carries_its_formulation(seeded, tech):
    response = tech.get(f"/api/v1/products/{seeded['KET-CRM-10']}")
    assert response.status_code == 200
    formulation = response.json["formulation"]
    assert formulation["version"] == 2 and formulation["batch_quantity"] == 100
    assert formulation["bud_category"] == "aqueous_preserved"
    assert [(i["quantity"], i["unit"], i["role"]) for i in formulation["ingredients"]] == [
        (10, "g", "api"), (5, "g", "excipient"), (85, "g", "excipient")]


def test_formulation_shows_its_qc_checks_approval_and_ingredient_schedules(seeded, tech):
    formulation = tech.get(f"/api/v1/products/{seeded['KET-CRM-10']}").json["formulation"]
    assert formulation["qc_checks"] == [
        {"name": "appearance", "expected": "smooth, uniform white cream, no grit"},
        {"name": "final_weight", "min": 95, "max": 105, "unit": "g", "scales_with_batch": True},
        {"name": "pH", "expected": "1 g dispersed in 9 mL purified water", "min": 3.5,
         "max": 6.5}]
    assert formulation["approved_by"] is None and formulation["approved_at"]
    assert "not by a pharmacist" in formulation["approval_note"]
    assert (formulation["strength_basis"], formulation["salt_factor"]) == ("salt", 1.153)
    assert formulation["stability_bud_days"] is None and formulation["bud_days"] == 35
    ketamine, glycol, base = formulation["ingredients"]
    assert (ketamine["dea_schedule"], ketamine["ndc"], ketamine["qs"]) == ("III", None, False)
    assert (glycol["dea_schedule"], base["qs"]) == (None, True)


def test_commercial_product_has_no_formulation(seeded, tech):
    response = tech.get(f"/api/v1/products/{seeded['LIDO-PAT-5']}")
    assert response.json["formulation"] is None
    assert response.json["ndc"] == "00603188016"
    assert response.json["ndcs"][0] == {"ndc": "00603188016", "labeler": "Par Pharmaceutical"}
    assert [n["labeler"] for n in response.json["ndcs"][1:]] == [
        "Asclemed USA (repackager)", "Amneal Pharmaceuticals"]


def test_unknown_product_is_404(seeded, tech):
    response = tech.get("/api/v1/products/999999")
    assert response.status_code == 404
    assert response.json["code"] == "not_found"


def test_products_need_credentials_401(anonymous):
    assert anonymous.get("/api/v1/products").json["code"] == "unauthenticated"


def test_products_are_for_staff_attorney_403(api_as):
    response = api_as("attorney").get("/api/v1/products")
    assert response.status_code == 403 and response.json["code"] == "forbidden"


def test_every_staff_role_reads_products(api_as):
    for role in ("admin", "pharmacist", "technician", "billing"):
        assert api_as(role).get("/api/v1/products").status_code == 200


def test_price_on_follows_effective_dates(ctx):
    ids = load_products("GABA-CAP-300")
    product = services.get_product(ids["GABA-CAP-300"])
    assert services.price_on(product.id, date(2025, 6, 1)).effective_to is None
    db.session.execute(sa.update(ProductPrice).where(ProductPrice.product_id == product.id)
                       .values(effective_to=date(2026, 7, 1)))
    services.set_price(None, product, effective_from=date(2026, 7, 1), unit_price_cents=50,
                       dispensing_fee_cents=1300)
    db.session.commit()
    assert services.price_on(product.id, date(2026, 6, 30)).unit_price_cents == 45
    assert services.price_on(product.id, date(2026, 7, 1)).unit_price_cents == 50
    assert services.price_on(product.id, date(2024, 12, 31)) is None
    assert services.price_on(product.id, clock.today()).dispensing_fee_cents == 1300


def test_products_show_their_limits(seeded, tech):
    by_code = {p["code"]: p for p in tech.get("/api/v1/products").json}
    gabapentin = by_code["GABA-CAP-300"]
    assert (gabapentin["max_quantity_per_fill"], gabapentin["max_days_supply"]) == (1080, 90)
    assert "max-dose-gabapentin" in gabapentin["limits_source"]
    cream = tech.get(f"/api/v1/products/{seeded['KET-CRM-10']}").json
    assert (cream["max_quantity_per_fill"], cream["max_days_supply"]) == (500, 90)
    assert cream["limits_source"].startswith("Pharmacy policy default, not a regulatory limit")
    assert all(p["max_quantity_per_fill"] > 0 and p["max_days_supply"] == 90
               for p in by_code.values())


def test_a_product_without_limits_takes_the_policy_defaults(app):
    with app.app_context():
        product, _ = services.upsert_product(
            None, code="TEST-TAB", name="Test tablet", kind="commercial", dosage_form="tablet",
            route="oral", strength="5 mg", unit="each", hazardous=False, dur_classes=[])
        assert (product.max_quantity_per_fill, product.max_days_supply) == (360, 90)
        assert product.limits_source.startswith("Pharmacy policy default")
