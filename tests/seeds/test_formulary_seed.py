"""The formulary seed: loads idempotently, and every NDC it carries is cited."""

from __future__ import annotations

import sqlalchemy as sa

from lienrx.core.identifiers import normalize_ndc
from lienrx.dur.models import DurRule
from lienrx.extensions import db
from lienrx.formulary import rules
from lienrx.formulary.models import MasterFormulation, Product, ProductNdc, ProductPrice
from lienrx.seeds.formulary import seed_data

COUNTED = (Product, ProductNdc, ProductPrice, MasterFormulation, DurRule)


def _counts() -> dict[str, int]:
    return {m.__tablename__: db.session.execute(sa.select(sa.func.count()).select_from(m))
            .scalar_one() for m in COUNTED}


def test_seed_formulary_loads_twice_without_duplicates(app, runner):
    first = runner.invoke(args=["seed", "formulary"])
    assert first.exit_code == 0, first.output
    with app.app_context():
        after_first = _counts()
    second = runner.invoke(args=["seed", "formulary"])
    assert second.exit_code == 0, second.output
    assert "0 records created or updated" in second.output
    with app.app_context():
        assert _counts() == after_first
        assert after_first["products"] == len(seed_data()["products"])
        assert after_first["dur_rules"] == len(seed_data()["dur_rules"])


def test_every_seeded_ndc_is_valid_and_cites_its_source():
    for item in seed_data()["products"]:
        assert "ndc" not in item and "ndc_source" not in item, item["code"]
        if item["kind"] == "compounded":
            assert not item.get("ndcs"), item["code"]
            continue
        ndcs = item["ndcs"]
        if not ndcs:
            assert "left empty rather than guessed" in item["ndc_note"], item["code"]
        normalised = [normalize_ndc(entry["ndc"]) for entry in ndcs]
        assert len(set(normalised)) == len(normalised), item["code"]
        for entry in ndcs:
            assert entry["labeler"], (item["code"], entry["ndc"])
            assert "http" in entry["source"], (item["code"], entry["ndc"])
            assert len(entry["source"]) <= 500, (item["code"], entry["ndc"])


def test_no_seeded_gabapentin_ndc_is_brand_neurontin():
    """Parke-Davis (labeler 00071) is the Neurontin brand; the seed prices generics."""
    for item in seed_data()["products"]:
        for entry in item.get("ndcs", []):
            assert not normalize_ndc(entry["ndc"]).startswith("00071"), item["code"]


def test_seeded_ndcs_load_as_the_products_ndc_master(app, runner):
    assert runner.invoke(args=["seed", "formulary"]).exit_code == 0
    with app.app_context():
        for item in seed_data()["products"]:
            product = db.session.execute(
                sa.select(Product).where(Product.code == item["code"])).scalar_one()
            expected = [normalize_ndc(e["ndc"]) for e in item.get("ndcs", [])]
            assert [row.ndc for row in product.ndcs] == expected, item["code"]
            assert product.ndc == (expected[0] if expected else None), item["code"]


def test_every_compounded_product_has_a_formulation_in_a_known_bud_category():
    compounded = [p for p in seed_data()["products"] if p["kind"] == "compounded"]
    assert {p["code"] for p in compounded} >= {"KET-CRM-10", "KET-TRO-25", "KET-SOL-10",
                                               "KET-SOL-50", "LDN-CAP-1.5", "LDN-CAP-3",
                                               "LDN-CAP-4.5", "PBZ-CAP-10"}
    for product in compounded:
        (mfr,) = product["formulations"]
        assert mfr["bud_category"] in rules.BUD_CATEGORIES
        assert {i["role"] for i in mfr["ingredients"]} == {"api", "excipient"}


def test_ketamine_is_schedule_iii_and_phenoxybenzamine_is_hazardous():
    by_code = {p["code"]: p for p in seed_data()["products"]}
    assert {by_code[c]["dea_schedule"] for c in by_code if c.startswith("KET-")} == {"III"}
    assert by_code["PBZ-CAP-10"]["hazardous"] is True
    pbz_api = by_code["PBZ-CAP-10"]["formulations"][0]["ingredients"][0]
    assert pbz_api["role"] == "api" and pbz_api["hazardous"] is True
    assert by_code["ZOLP-TAB-10"]["dea_schedule"] == "IV"
    assert by_code["PREG-CAP-75"]["dea_schedule"] == "V"
