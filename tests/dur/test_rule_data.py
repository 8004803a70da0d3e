"""The DUR rule table is data: every row cites its source, and the classes' ingredient lists
agree with the products that carry them."""

from __future__ import annotations

from lienrx.dur import codes
from lienrx.dur.engine import WHEN_KEYS
from lienrx.seeds.formulary import seed_data

SEED = seed_data()


def test_every_dur_rule_row_cites_its_source():
    for rule in SEED["dur_rules"]:
        assert rule.get("source", "").strip(), rule["code"]
        assert set(rule["params"].get("when", {})) <= set(WHEN_KEYS), rule["code"]


def test_every_class_a_rule_names_by_ingredient_lists_its_ingredients():
    named: set[str] = set()
    for rule in SEED["dur_rules"]:
        p = rule["params"]
        named |= set(p.get("a", [])) | set(p.get("b", [])) | set(p.get("same", []))
        named |= set(p.get("classes", [])) | ({p["drug"]} if "drug" in p else set())
    product_only = {"ldn", "lidocaine_patch"}  # a dose and a dosage form, not ingredients
    assert named - product_only <= set(SEED["dur_classes"])
    assert set(SEED["dur_classes"]["opioid"]["ingredients"]) >= {
        "morphine", "oxycodone", "hydrocodone", "hydromorphone", "fentanyl", "methadone",
        "tramadol", "tapentadol", "codeine", "oxymorphone", "buprenorphine"}


def test_a_products_classes_include_those_of_its_active_ingredient():
    by_ingredient: dict[str, set[str]] = {}
    for code, item in SEED["dur_classes"].items():
        assert item["source"], code
        for ingredient in item["ingredients"]:
            by_ingredient.setdefault(ingredient, set()).add(code)
    for product in SEED["products"]:
        expected = by_ingredient.get(product["active_ingredient"], set())
        assert expected <= set(product["dur_classes"]), product["code"]


def test_each_alert_kind_has_its_ncpdp_reason():
    kinds = {rule["kind"] for rule in SEED["dur_rules"]}
    assert kinds <= set(codes.KIND_REASONS)
    assert codes.KIND_REASONS["allergy"] == "DA"
    assert all(code in codes.REASONS for code in codes.KIND_REASONS.values())
