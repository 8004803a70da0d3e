"""POST /compounding-records and /verify: formula checks, lots, BUD, verification."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from lienrx.compounding.services import beyond_use_date
from lienrx.core import clock
from lienrx.formulary import rules
from lienrx.formulary.models import MasterFormulation
from tests.formulary.factories import lots_for, passing_qc


def batch_body(app, code, product_id, quantity=100, **fields):
    """A batch of ``code`` weighed to the formula, with passing QC results unless given."""
    with app.app_context():
        lots = fields.pop("ingredients", None) or lots_for(code, quantity)
        fields.setdefault("qc_results", passing_qc(code, quantity))
    return {"product_id": product_id, "quantity": quantity, "ingredients": lots, **fields}


def test_technician_records_ketamine_cream_and_another_pharmacist_verifies(
        app, seeded, tech, api_as):
    body = batch_body(app, "KET-CRM-10", seeded["KET-CRM-10"],
                      qc_results={"appearance": "smooth white cream", "final_weight": 99.6,
                                  "pH": "4.8"},
                      deviations="Mill speed reduced; no effect on appearance.")
    response = tech.post("/api/v1/compounding-records", json=body)
    assert response.status_code == 201, response.json
    record = response.json
    assert record["status"] == "pending_verification"
    assert record["lot_number"] == f"KC10-{clock.today():%Y%m%d}-001"
    assert record["beyond_use_date"] == (clock.today() + timedelta(days=35)).isoformat()
    assert record["compounded_by"] == tech.user_id and record["remaining_quantity"] == 100
    assert record["qc_results"] == {"appearance": "smooth white cream", "final_weight": "99.6",
                                    "pH": "4.8"}
    assert "Mill" in record["deviations"]
    assert [lot["vendor"] for lot in record["ingredients"]] == ["Medisca"] * 3
    verifier = api_as("pharmacist")
    verified = verifier.post(f"/api/v1/compounding-records/{record['id']}/verify", json={})
    assert verified.status_code == 200
    assert verified.json["status"] == "verified"
    assert verified.json["verified_by"] == verifier.user_id


@pytest.mark.parametrize(("category", "days"), [
    ("aqueous_nonpreserved", 14), ("aqueous_preserved", 35),
    ("nonaqueous_oral_liquid", 90), ("nonaqueous_other", 180)])
def test_default_bud_for_each_usp795_category(category, days):
    formulation = MasterFormulation(bud_category=category)
    made = date(2026, 1, 31)
    assert beyond_use_date(formulation, made, []) == (
        made + timedelta(days=days), f"usp795_default:{category}")
    assert rules.BUD_CATEGORIES[category].days == days


def test_bud_is_capped_by_the_earliest_ingredient_expiry(app, seeded, tech):
    soon = clock.today() + timedelta(days=20)
    with app.app_context():
        lots = lots_for("KET-TRO-25", 100)
        lots[1]["expiration_date"] = soon.isoformat()
    response = tech.post("/api/v1/compounding-records", json=batch_body(
        app, "KET-TRO-25", seeded["KET-TRO-25"], ingredients=lots))
    assert response.status_code == 201
    assert response.json["beyond_use_date"] == soon.isoformat()
    assert response.json["bud_basis"] == "ingredient_expiry"


def test_nonaqueous_troche_gets_180_days(app, seeded, tech):
    response = tech.post("/api/v1/compounding-records",
                         json=batch_body(app, "KET-TRO-25", seeded["KET-TRO-25"]))
    assert response.json["beyond_use_date"] == (clock.today() + timedelta(days=180)).isoformat()


def test_expired_ingredient_lot_is_422(app, seeded, tech):
    with app.app_context():
        lots = lots_for("KET-CRM-10", 100)
    lots[0]["expiration_date"] = (clock.today() - timedelta(days=1)).isoformat()
    response = tech.post("/api/v1/compounding-records", json=batch_body(
        app, "KET-CRM-10", seeded["KET-CRM-10"], ingredients=lots))
    assert response.status_code == 422
    assert any("expired" in m for m in response.json["errors"]["ingredients"])


@pytest.mark.parametrize(("change", "words"), [
    (lambda lots: lots.pop(), "missing"),
    (lambda lots: lots.append(dict(lots[0])), "more than once"),
    (lambda lots: lots.append({**lots[0], "component": "Lidocaine HCl"}), "not in formulation"),
    (lambda lots: lots[0].update(quantity=10.6), "±5 %"),
    (lambda lots: lots[0].update(quantity=9.4), "±5 %"),
    (lambda lots: lots[0].update(unit="mL"), "measured in g"),
])
def test_ingredient_list_must_match_the_formula_422(app, seeded, tech, change, words):
    with app.app_context():
        lots = lots_for("KET-CRM-10", 100)
    change(lots)
    response = tech.post("/api/v1/compounding-records", json=batch_body(
        app, "KET-CRM-10", seeded["KET-CRM-10"], ingredients=lots))
    assert response.status_code == 422 and response.json["code"] == "validation_failed"
    assert any(words in m for m in response.json["errors"]["ingredients"]), response.json


def test_amounts_within_five_percent_and_other_units_are_accepted(app, seeded, tech):
    with app.app_context():
        lots = lots_for("KET-CRM-10", 100)
    lots[0].update(quantity=10_450, unit="mg")
    lots[2].update(quantity=80.8)
    response = tech.post("/api/v1/compounding-records", json=batch_body(
        app, "KET-CRM-10", seeded["KET-CRM-10"], ingredients=lots))
    assert response.status_code == 201, response.json


def test_formula_scales_to_the_batch_size(app, seeded, tech):
    half = batch_body(app, "KET-CRM-10", seeded["KET-CRM-10"], quantity=50)
    assert half["ingredients"][0]["quantity"] == 5
    assert tech.post("/api/v1/compounding-records", json=half).status_code == 201
    full_amounts = batch_body(app, "KET-CRM-10", seeded["KET-CRM-10"], quantity=100)
    full_amounts["quantity"] = 50
    response = tech.post("/api/v1/compounding-records", json=full_amounts)
    assert response.status_code == 422


def test_commercial_or_unknown_product_is_422_on_product_id(app, seeded, tech):
    body = batch_body(app, "KET-CRM-10", seeded["GABA-CAP-300"])
    response = tech.post("/api/v1/compounding-records", json=body)
    assert response.status_code == 422 and "product_id" in response.json["errors"]
    body["product_id"] = 999999
    assert "product_id" in tech.post("/api/v1/compounding-records", json=body).json["errors"]


@pytest.mark.parametrize(("field", "value"), [
    ("quantity", 0), ("quantity", "a lot"), ("ingredients", []),
    ("compounded_at", "2026-11-01T10:00:00"), ("qc_results", ["ok"])])
def test_bad_batch_fields_are_422(app, seeded, tech, field, value):
    body = {**batch_body(app, "KET-CRM-10", seeded["KET-CRM-10"]), field: value}
    response = tech.post("/api/v1/compounding-records", json=body)
    assert response.status_code == 422 and field in response.json["errors"]


def test_future_compounding_time_is_422(app, seeded, tech):
    later = (clock.utcnow() + timedelta(hours=2)).isoformat()
    response = tech.post("/api/v1/compounding-records", json=batch_body(
        app, "KET-CRM-10", seeded["KET-CRM-10"], compounded_at=later))
    assert response.status_code == 422 and "compounded_at" in response.json["errors"]


def test_backdated_batch_takes_its_bud_from_the_compounding_date(app, seeded, tech):
    made = datetime(2026, 1, 5, 15, 0, tzinfo=clock.utcnow().tzinfo)
    with app.app_context():
        lots = lots_for("KET-SOL-10", 100, expires=date(2027, 1, 1))
    response = tech.post("/api/v1/compounding-records", json=batch_body(
        app, "KET-SOL-10", seeded["KET-SOL-10"], ingredients=lots,
        compounded_at=made.isoformat()))
    assert response.status_code == 201
    assert response.json["lot_number"] == "KS10-20260105-001"
    assert response.json["beyond_use_date"] == "2026-02-09"


def test_lot_numbers_count_up_within_a_day(app, seeded, tech):
    numbers = [tech.post("/api/v1/compounding-records", json=batch_body(
        app, "LDN-CAP-4.5", seeded["LDN-CAP-4.5"])).json["lot_number"] for _ in range(2)]
    stem = f"LDN45-{clock.today():%Y%m%d}"
    assert numbers == [f"{stem}-001", f"{stem}-002"]


def test_hazardous_product_carries_its_handling_flag(app, seeded, tech):
    response = tech.post("/api/v1/compounding-records",
                         json=batch_body(app, "PBZ-CAP-10", seeded["PBZ-CAP-10"]))
    assert response.status_code == 201
    assert response.json["hazardous"] is True
    api_lot = response.json["ingredients"][0]
    assert api_lot["role"] == "api" and api_lot["hazardous"] is True


def test_same_user_verifying_is_409_invalid_transition(app, seeded, pharmacist):
    record = pharmacist.post("/api/v1/compounding-records",
                             json=batch_body(app, "KET-CRM-10", seeded["KET-CRM-10"])).json
    response = pharmacist.post(f"/api/v1/compounding-records/{record['id']}/verify", json={})
    assert response.status_code == 409 and response.json["code"] == "invalid_transition"


def test_verifier_may_be_the_compounder_when_configured(app, seeded, pharmacist):
    record = pharmacist.post("/api/v1/compounding-records",
                             json=batch_body(app, "KET-CRM-10", seeded["KET-CRM-10"])).json
    app.config["LIENRX_VERIFIER_MUST_DIFFER"] = False
    try:
        response = pharmacist.post(f"/api/v1/compounding-records/{record['id']}/verify",
                                   json={})
    finally:
        app.config.pop("LIENRX_VERIFIER_MUST_DIFFER")
    assert response.status_code == 200 and response.json["status"] == "verified"


def test_verifying_a_batch_that_is_not_pending_is_409(app, seeded, tech, api_as):
    record = tech.post("/api/v1/compounding-records",
                       json=batch_body(app, "KET-CRM-10", seeded["KET-CRM-10"])).json
    verifier = api_as("pharmacist")
    path = f"/api/v1/compounding-records/{record['id']}/verify"
    assert verifier.post(path, json={}).status_code == 200
    again = verifier.post(path, json={})
    assert again.status_code == 409 and again.json["code"] == "invalid_transition"


def test_rejected_batch_cannot_be_verified(app, seeded, tech, api_as):
    record = tech.post("/api/v1/compounding-records",
                       json=batch_body(app, "KET-CRM-10", seeded["KET-CRM-10"])).json
    checker = api_as("pharmacist")
    rejected = checker.post(f"/api/v1/compounding-records/{record['id']}/reject",
                            json={"reason": "grit in the cream"})
    assert rejected.json["status"] == "rejected"
    response = checker.post(f"/api/v1/compounding-records/{record['id']}/verify", json={})
    assert response.status_code == 409


def test_only_pharmacists_verify_403(app, seeded, tech, api_as):
    record = tech.post("/api/v1/compounding-records",
                       json=batch_body(app, "KET-CRM-10", seeded["KET-CRM-10"])).json
    other_tech = api_as("technician")
    response = other_tech.post(f"/api/v1/compounding-records/{record['id']}/verify", json={})
    assert response.status_code == 403


@pytest.mark.parametrize("role", ["billing", "admin", "attorney"])
def test_only_pharmacists_and_technicians_record_batches_403(app, seeded, api_as, role):
    body = batch_body(app, "KET-CRM-10", seeded["KET-CRM-10"])
    assert api_as(role).post("/api/v1/compounding-records", json=body).status_code == 403


def test_verifying_an_unknown_record_is_404(pharmacist):
    response = pharmacist.post("/api/v1/compounding-records/4242/verify", json={})
    assert response.status_code == 404


def test_read_a_record(app, seeded, tech):
    record = tech.post("/api/v1/compounding-records",
                       json=batch_body(app, "KET-CRM-10", seeded["KET-CRM-10"])).json
    response = tech.get(f"/api/v1/compounding-records/{record['id']}")
    assert response.status_code == 200 and response.json["lot_number"] == record["lot_number"]
    assert Decimal(str(response.json["quantity"])) == 100


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00",
                                    "1899-12-31T23:59:59+00:00"])
def test_compounded_at_outside_the_date_bounds_is_422_never_an_overflow(app, seeded, tech,
                                                                       moment):
    body = batch_body(app, "KET-CRM-10", seeded["KET-CRM-10"], compounded_at=moment)
    response = tech.post("/api/v1/compounding-records", json=body)
    assert response.status_code == 422
    assert list(response.json["errors"]) == ["compounded_at"]


def test_compounded_at_with_an_offset_is_kept_as_the_same_instant(app, seeded, tech):
    earlier = (clock.utcnow() - timedelta(hours=2)).astimezone(timezone(timedelta(hours=14)))
    body = batch_body(app, "KET-CRM-10", seeded["KET-CRM-10"],
                      compounded_at=earlier.isoformat())
    response = tech.post("/api/v1/compounding-records", json=body)
    assert response.status_code == 201, response.json
    assert datetime.fromisoformat(response.json["compounded_at"]) == earlier


def test_ingredient_expiring_more_than_ten_years_ahead_is_422(app, seeded, tech):
    with app.app_context():
        lots = lots_for("KET-CRM-10", 100, expires=clock.today() + timedelta(days=3654))
    body = batch_body(app, "KET-CRM-10", seeded["KET-CRM-10"], ingredients=lots)
    response = tech.post("/api/v1/compounding-records", json=body)
    assert response.status_code == 422
    assert "expiration_date" in response.json["errors"]["ingredients"]["0"]
