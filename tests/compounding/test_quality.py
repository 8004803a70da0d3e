"""SPEC §7.4: QC checks at verification, rejection, MFR approval, stability-extended BUD, the
salt factor, q.s. ingredients and drug-substance NDCs."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from lienrx.compounding import services
from lienrx.core import clock
from lienrx.core.errors import ValidationFailed
from lienrx.extensions import db
from lienrx.formulary import services as formulary
from lienrx.formulary.models import MasterFormulation
from tests import factories
from tests.compounding.test_records_api import batch_body
from tests.dispensing.conftest import counter, cream_fill  # noqa: F401
from tests.formulary.factories import load_products, lots_for, passing_qc

PASSING_CREAM = {"appearance": "smooth white cream", "final_weight": 100.2, "pH": 5.1}


def record(client, app, code, product_id, **fields):
    response = client.post("/api/v1/compounding-records",
                           json=batch_body(app, code, product_id, **fields))
    assert response.status_code == 201, response.json
    return response.json


def test_verification_needs_every_qc_result(app, seeded, tech, api_as):
    made = record(tech, app, "KET-CRM-10", seeded["KET-CRM-10"], qc_results={})
    verifier = api_as("pharmacist")
    path = f"/api/v1/compounding-records/{made['id']}/verify"
    response = verifier.post(path, json={"qc_results": {"appearance": "smooth"}})
    assert response.status_code == 422
    assert set(response.json["errors"]["qc_results"]) == {"final_weight", "pH"}
    assert "final_weight, pH" in response.json["detail"]
    assert tech.get(f"/api/v1/compounding-records/{made['id']}").json["status"] == (
        "pending_verification")
    response = verifier.post(path, json={"qc_results": PASSING_CREAM})
    assert response.status_code == 200 and response.json["status"] == "verified"
    assert response.json["qc_results"] == {"appearance": "smooth white cream",
                                           "final_weight": "100.2", "pH": "5.1"}


def test_qc_results_sent_with_the_record_count_at_verification(app, seeded, tech, api_as):
    made = record(tech, app, "KET-CRM-10", seeded["KET-CRM-10"],
                  qc_results={"appearance": "smooth", "final_weight": "99.1"})
    response = api_as("pharmacist").post(f"/api/v1/compounding-records/{made['id']}/verify",
                                         json={"qc_results": {"pH": 4.9}})
    assert response.status_code == 200, response.json
    assert response.json["qc_results"] == {"appearance": "smooth", "final_weight": "99.1",
                                           "pH": "4.9"}


def test_qc_out_of_spec_refuses_verification(app, seeded, tech, api_as):
    made = record(tech, app, "KET-CRM-10", seeded["KET-CRM-10"],
                  qc_results={**PASSING_CREAM, "final_weight": 110})
    response = api_as("pharmacist").post(f"/api/v1/compounding-records/{made['id']}/verify",
                                         json={})
    assert response.status_code == 409 and response.json["code"] == "qc_out_of_spec"
    assert response.json["checks"] == [{"name": "final_weight", "result": "110", "min": "95",
                                        "max": "105", "unit": "g", "spec": "95–105 g"}]
    assert "final_weight 110 (spec 95–105 g)" in response.json["detail"]
    assert tech.get(f"/api/v1/compounding-records/{made['id']}").json["status"] == (
        "pending_verification")


def test_an_out_of_spec_result_given_at_verification_is_kept_on_the_record(app, seeded, tech,
                                                                           api_as):
    made = record(tech, app, "KET-CRM-10", seeded["KET-CRM-10"], qc_results={})
    response = api_as("pharmacist").post(f"/api/v1/compounding-records/{made['id']}/verify",
                                         json={"qc_results": {**PASSING_CREAM, "pH": 8.2}})
    assert response.status_code == 409 and response.json["checks"][0]["name"] == "pH"
    kept = tech.get(f"/api/v1/compounding-records/{made['id']}").json
    assert kept["qc_results"]["pH"] == "8.2" and kept["status"] == "pending_verification"


def test_final_weight_range_scales_with_the_batch_but_ph_does_not(app, seeded, tech, api_as):
    verifier = api_as("pharmacist")
    made = record(tech, app, "KET-CRM-10", seeded["KET-CRM-10"], quantity=200, qc_results={})
    path = f"/api/v1/compounding-records/{made['id']}/verify"
    out = verifier.post(path, json={"qc_results": {**PASSING_CREAM, "final_weight": 105}})
    assert out.json["checks"][0]["spec"] == "190–210 g"
    fine = verifier.post(path, json={"qc_results": {**PASSING_CREAM, "final_weight": 199.5}})
    assert fine.status_code == 200, fine.json


@pytest.mark.parametrize(("results", "name", "words"), [
    ({"final_weight": "heavy"}, "final_weight", "A number in g."),
    ({"colour": "white"}, "colour", "Not a QC check of this formulation"),
    ({"appearance": "   "}, "appearance", "Describe the result"),
])
def test_a_qc_result_that_is_no_result_is_422_naming_the_check(app, seeded, tech, results,
                                                               name, words):
    response = tech.post("/api/v1/compounding-records", json=batch_body(
        app, "KET-CRM-10", seeded["KET-CRM-10"], qc_results=results))
    assert response.status_code == 422
    assert words in response.json["errors"]["qc_results"][name][0]


def test_rejected_batch_cannot_be_dispensed(app, api_as, counter):  # noqa: F811
    with app.app_context():
        lots = lots_for("KET-CRM-10", 60)
    tech, rph = api_as("technician"), api_as("pharmacist")
    made = tech.post("/api/v1/compounding-records", json={
        "product_id": _cream_id(app), "quantity": 60, "ingredients": lots,
        "qc_results": {**PASSING_CREAM, "final_weight": 40}}).json
    assert rph.post(f"/api/v1/compounding-records/{made['id']}/verify",
                    json={}).json["code"] == "qc_out_of_spec"
    rejected = rph.post(f"/api/v1/compounding-records/{made['id']}/reject",
                        json={"reason": "Final weight 40 g of 57–63 g: material lost."})
    assert rejected.status_code == 200 and rejected.json["status"] == "rejected"
    assert rejected.json["rejected_by"] == rph.user_id and rejected.json["rejected_at"]
    response = rph.post("/api/v1/dispenses", json=cream_fill(
        counter, compounding_record_id=made["id"]))
    assert response.status_code == 409 and response.json["code"] == "compounding_not_verified"
    assert "rejected" in response.json["detail"]


def _cream_id(app):
    with app.app_context():
        return load_products("KET-CRM-10")["KET-CRM-10"]


def _new_version(code: str, version: int, api_g: float) -> MasterFormulation:
    """An unapproved version of ``code``'s formula: the approved one with another API lot
    amount and base amount kept to the batch."""
    product = formulary.product_by_code(code)
    current = formulary.compounding_formulation(product)
    ingredients = [{"component": i.component, "quantity": api_g if i.role == "api" else
                    i.quantity, "unit": i.unit, "role": i.role, "qs": i.qs,
                    "dea_schedule": i.dea_schedule} for i in current.ingredients]
    formulation, _ = formulary.add_formulation(
        None, product, version=version, batch_quantity=current.batch_quantity,
        bud_category=current.bud_category, storage=current.storage,
        container_closure=current.container_closure, lot_prefix=current.lot_prefix,
        ingredients=ingredients, qc_checks=current.qc_checks,
        strength_basis="salt", salt_factor=current.salt_factor)
    return formulation


def test_unapproved_mfr_version_is_not_used(app, seeded, tech, pharmacist):
    with app.app_context():
        v3 = _new_version("KET-CRM-10", 3, 10).id
        db.session.commit()
    made = record(tech, app, "KET-CRM-10", seeded["KET-CRM-10"])
    assert made["formulation_version"] == 2  # the newest approved, not the newer draft
    approved = pharmacist.post(f"/api/v1/formulations/{v3}/approve", json={})
    assert approved.status_code == 200
    assert approved.json["approved_by"] == pharmacist.user_id and approved.json["approved_at"]
    assert record(tech, app, "KET-CRM-10", seeded["KET-CRM-10"])["formulation_version"] == 3


def test_a_product_without_an_approved_version_is_409_formulation_not_approved(app, seeded,
                                                                              tech):
    body = batch_body(app, "KET-CRM-10", seeded["KET-CRM-10"])
    with app.app_context():
        product = formulary.product_by_code("KET-CRM-10")
        for formulation in product.formulations:
            formulation.approved_at, formulation.approval_note = None, None
        db.session.commit()
    response = tech.post("/api/v1/compounding-records", json=body)
    assert response.status_code == 409 and response.json["code"] == "formulation_not_approved"
    assert "not approved by a pharmacist" in response.json["detail"]


def test_only_a_pharmacist_approves_a_formulation_and_only_once(app, seeded, tech, pharmacist):
    with app.app_context():
        seeded_version = formulary.product_by_code("KET-CRM-10").formulation
        assert seeded_version.approved_by_user_id is None and seeded_version.approved_at
        formulation_id = seeded_version.id
    path = f"/api/v1/formulations/{formulation_id}/approve"
    assert tech.post(path, json={}).status_code == 403
    approved = pharmacist.post(path, json={})
    assert approved.status_code == 200 and approved.json["approval_note"] is None
    again = pharmacist.post(path, json={})
    assert again.status_code == 409 and again.json["code"] == "invalid_transition"
    assert pharmacist.post("/api/v1/formulations/999999/approve", json={}).status_code == 404


def test_stability_bud_days_replaces_category_default():
    formulation = MasterFormulation(bud_category="aqueous_preserved", stability_bud_days=90,
                                    stability_reference="Ancedy et al., AJHP 2021;78(9):825")
    made = date(2026, 3, 1)
    assert services.beyond_use_date(formulation, made, []) == (
        made + timedelta(days=90), "stability_study")
    sooner = made + timedelta(days=40)
    assert services.beyond_use_date(formulation, made, [sooner]) == (sooner, "ingredient_expiry")


@pytest.mark.parametrize(("days", "reference", "field"), [
    (181, "A study", "stability_bud_days"), (0, "A study", "stability_bud_days"),
    (90, None, "stability_reference")])
def test_stability_bud_is_at_most_180_days_and_cites_its_study(ctx, days, reference, field):
    load_products("KET-CRM-10")
    product = formulary.product_by_code("KET-CRM-10")
    current = product.formulation
    with pytest.raises(ValidationFailed) as refused:
        formulary.add_formulation(
            None, product, version=5, batch_quantity=current.batch_quantity,
            bud_category=current.bud_category, storage="x", container_closure="x",
            lot_prefix="X", ingredients=[{"component": i.component, "quantity": i.quantity,
                                          "unit": i.unit, "role": i.role}
                                         for i in current.ingredients],
            stability_bud_days=days, stability_reference=reference)
    assert field in refused.value.errors


def test_ketamine_hcl_salt_factor_applied_to_scaled_amounts(app, seeded, tech):
    formulation = tech.get(f"/api/v1/products/{seeded['KET-SOL-10']}").json["formulation"]
    assert (formulation["strength_basis"], formulation["salt_factor"]) == ("base", 1.153)
    assert formulation["ingredients"][0]["quantity"] == 1.153  # 1 g of base per 100 mL
    with app.app_context():
        lots = lots_for("KET-SOL-10", 200)
    assert lots[0]["quantity"] == 2.306  # 10 mg/mL × 200 mL of base × 1.153
    naive = [{**lots[0], "quantity": 2.0}, *lots[1:]]  # the base weighed as if it were salt
    refused = tech.post("/api/v1/compounding-records", json=batch_body(
        app, "KET-SOL-10", seeded["KET-SOL-10"], quantity=200, ingredients=naive))
    assert refused.status_code == 422
    assert any("not within ±5 % of 2.306 g" in m for m in refused.json["errors"]["ingredients"])
    assert record(tech, app, "KET-SOL-10", seeded["KET-SOL-10"], quantity=200,
                  ingredients=lots)["quantity"] == 200


def test_mfr_whose_drug_amount_ignores_the_salt_factor_is_refused(ctx):
    load_products("KET-TRO-25")
    product = formulary.product_by_code("KET-TRO-25")
    ingredients = [{"component": "Ketamine hydrochloride USP powder", "quantity": 2.5,
                    "unit": "g", "role": "api"},
                   {"component": "Troche base", "quantity": 97.5, "unit": "g",
                    "role": "excipient", "qs": True}]
    with pytest.raises(ValidationFailed) as refused:
        formulary.add_formulation(None, product, version=7, batch_quantity=Decimal(100),
                                  bud_category="nonaqueous_other", storage="x",
                                  container_closure="x", lot_prefix="X",
                                  ingredients=ingredients, strength_basis="base",
                                  salt_factor="1.153")
    assert "needs 2.8825 g (salt factor 1.153), not 2.5 g" in refused.value.errors[
        "ingredients"][0]


def test_drug_substance_lot_records_its_ndc(app, seeded, tech):
    with app.app_context():
        lots = lots_for("KET-CRM-10", 100)
    without = [{k: v for k, v in lots[0].items() if k != "ndc"}, *lots[1:]]
    response = tech.post("/api/v1/compounding-records", json=batch_body(
        app, "KET-CRM-10", seeded["KET-CRM-10"], ingredients=without))
    assert response.status_code == 422
    assert "is a drug substance: give its lot's NDC." in response.json["errors"][
        "ingredients"][0]
    malformed = [{**lots[0], "ndc": "12-34"}, *lots[1:]]
    response = tech.post("/api/v1/compounding-records", json=batch_body(
        app, "KET-CRM-10", seeded["KET-CRM-10"], ingredients=malformed))
    assert response.status_code == 422 and "ndc" in response.json["errors"]["ingredients"]["0"]
    made = record(tech, app, "KET-CRM-10", seeded["KET-CRM-10"], ingredients=lots)
    assert made["ingredients"][0]["ndc"] == "38779046605"
    assert made["ingredients"][1]["ndc"] is None


def test_qs_filler_is_recorded_not_held_to_five_percent(app, seeded, tech):
    with app.app_context():
        lots = lots_for("LDN-CAP-1.5", 100)
    lots[1]["quantity"] = 14.2  # MCC to this pharmacy's calibrated fill, not the nominal 15.85
    made = record(tech, app, "LDN-CAP-1.5", seeded["LDN-CAP-1.5"], ingredients=lots)
    assert made["ingredients"][1]["quantity"] == 14.2
    lots[0]["quantity"] = 0.17  # the drug substance still is
    response = tech.post("/api/v1/compounding-records", json=batch_body(
        app, "LDN-CAP-1.5", seeded["LDN-CAP-1.5"], ingredients=lots))
    assert response.status_code == 422


def test_rejecting_needs_a_pharmacist_and_a_pending_batch(app, seeded, tech, api_as):
    made = record(tech, app, "KET-CRM-10", seeded["KET-CRM-10"])
    path = f"/api/v1/compounding-records/{made['id']}/reject"
    assert tech.post(path, json={"reason": "grit"}).status_code == 403
    rph = api_as("pharmacist")
    assert rph.post(path, json={"reason": ""}).status_code == 422
    assert rph.post(path, json={"reason": "grit"}).status_code == 200
    again = rph.post(path, json={"reason": "grit"})
    assert again.status_code == 409 and again.json["code"] == "invalid_transition"


def test_passing_qc_factory_passes_every_seeded_formula(ctx):
    """The shared fixtures' QC results (tests.formulary.factories.passing_qc) pass QC."""
    for code in load_products():
        product = formulary.product_by_code(code)
        if product.kind != "compounded":
            continue
        compounder, checker = factories.user("technician"), factories.user("pharmacist")
        made = services.record_batch(
            compounder, product_id=product.id, quantity=Decimal(50),
            ingredients=[{**lot, "expiration_date": clock.today() + timedelta(days=400),
                          "quantity": Decimal(str(lot["quantity"]))}
                         for lot in lots_for(code, 50)],
            qc_results=passing_qc(code, 50))
        assert services.verify_batch(checker, made.id).status == "verified", code
