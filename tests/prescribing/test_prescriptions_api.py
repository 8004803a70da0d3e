"""POST/GET /prescriptions and the cancel action: required fields, DEA rules, statuses."""

from __future__ import annotations

from datetime import timedelta

import pytest

from lienrx.cases import services as cases
from lienrx.core import clock
from lienrx.extensions import db
from tests.formulary.factories import INDICATION, extra_product, prescriber_without_dea


def rx_body(world, product_id, **fields):
    return {"case_id": world.case_id, "prescriber_id": world.prescriber_id,
            "product_id": product_id, "sig": "Apply 1 g to the right wrist three times daily",
            "quantity": 90, "days_supply": 30, "refills_authorized": 2,
            "written_on": clock.today().isoformat(), "diagnosis_codes": ["G90.511"],
            "indication": INDICATION, **fields}


def test_technician_enters_a_ketamine_cream_prescription(world, seeded, tech):
    response = tech.post("/api/v1/prescriptions", json=rx_body(
        world, seeded["KET-CRM-10"], quantity=30.5, written_on="2026-08-31",
        diagnosis_codes=["g90511"], source="electronic"))
    assert response.status_code == 201, response.json
    body = response.json
    assert body["status"] == "active" and body["schedule"] == "III"
    assert body["expires_on"] == "2027-02-28"
    assert body["quantity"] == 30.5 and body["quantity_remaining"] == 91.5
    assert body["refills_authorized"] == 2 and body["diagnosis_codes"] == ["G90.511"]
    assert body["dur_alerts"] == []


@pytest.mark.parametrize("code", ["KET-TRO-25", "ZOLP-TAB-10"])
def test_schedule_iii_iv_more_than_five_refills_is_422(world, seeded, tech, code):
    response = tech.post("/api/v1/prescriptions",
                         json=rx_body(world, seeded[code], refills_authorized=6))
    assert response.status_code == 422
    assert response.json["code"] == "validation_failed"
    assert "refills_authorized" in response.json["errors"]
    ok = tech.post("/api/v1/prescriptions", json=rx_body(world, seeded[code], refills_authorized=5))
    assert ok.status_code == 201


def test_schedule_ii_allows_no_refill_and_90_days(app, world, seeded, tech):
    with app.app_context():
        oxycodone = extra_product("OXY-TAB-5", ["opioid"], dea_schedule="II").id
        db.session.commit()
    refused = tech.post("/api/v1/prescriptions",
                        json=rx_body(world, oxycodone, refills_authorized=1))
    assert refused.status_code == 422 and "refills_authorized" in refused.json["errors"]
    response = tech.post("/api/v1/prescriptions", json=rx_body(
        world, oxycodone, refills_authorized=0, written_on="2026-10-01"))
    assert response.status_code == 201
    assert response.json["expires_on"] == "2026-12-30"


def test_schedule_v_refills_as_written_one_year(world, seeded, tech):
    response = tech.post("/api/v1/prescriptions", json=rx_body(
        world, seeded["PREG-CAP-75"], refills_authorized=11, written_on="2026-11-01"))
    assert response.status_code == 201
    assert (response.json["schedule"], response.json["expires_on"]) == ("V", "2027-11-01")
    assert response.json["quantity_remaining"] == 90 * 12


def test_non_controlled_refills_as_written_one_year(world, seeded, tech):
    response = tech.post("/api/v1/prescriptions", json=rx_body(
        world, seeded["LDN-CAP-4.5"], refills_authorized=12, written_on="2026-11-01"))
    assert response.status_code == 201
    assert (response.json["schedule"], response.json["expires_on"]) == (
        "non_controlled", "2027-11-01")


def test_controlled_product_needs_a_prescriber_dea_number_422(app, world, seeded, tech):
    with app.app_context():
        no_dea = prescriber_without_dea()
        db.session.commit()
    response = tech.post("/api/v1/prescriptions", json=rx_body(
        world, seeded["KET-CRM-10"], prescriber_id=no_dea))
    assert response.status_code == 422 and "prescriber_id" in response.json["errors"]
    fine = tech.post("/api/v1/prescriptions",
                     json=rx_body(world, seeded["AMIT-TAB-10"], prescriber_id=no_dea))
    assert fine.status_code == 201


def test_gabapentin_is_state_schedule_v_in_tennessee(app, world, seeded, tech):
    with app.app_context():
        no_dea = prescriber_without_dea()
        db.session.commit()
    response = tech.post("/api/v1/prescriptions", json=rx_body(
        world, seeded["GABA-CAP-300"], prescriber_id=no_dea))
    assert response.status_code == 422 and "prescriber_id" in response.json["errors"]
    with_dea = tech.post("/api/v1/prescriptions", json=rx_body(world, seeded["GABA-CAP-300"]))
    assert with_dea.json["schedule"] == "V"


def _venue(app, case_id, state):
    from lienrx.cases.models import Case

    with app.app_context():
        db.session.get(Case, case_id).jurisdiction = state
        db.session.commit()


def test_schedule_rules_follow_the_pharmacy_state_not_the_case_venue(app, world, seeded, tech,
                                                                     monkeypatch):
    _venue(app, world.case_id, "CA")  # sued in California, dispensed in Tennessee
    in_tennessee = tech.post("/api/v1/prescriptions", json=rx_body(world, seeded["GABA-CAP-300"]))
    assert in_tennessee.status_code == 201 and in_tennessee.json["schedule"] == "V"

    _venue(app, world.case_id, "TN")  # sued in Tennessee, dispensed in California
    monkeypatch.setitem(app.config, "LIENRX_PHARMACY_STATE", "CA")
    in_california = tech.post("/api/v1/prescriptions", json=rx_body(world, seeded["GABA-CAP-300"]))
    assert in_california.status_code == 201
    assert in_california.json["schedule"] == "non_controlled"


@pytest.mark.parametrize("field", ["case_id", "prescriber_id", "product_id"])
def test_unknown_ids_in_the_body_are_422_on_that_field(world, seeded, tech, field):
    body = {**rx_body(world, seeded["KET-CRM-10"]), field: 999999}
    response = tech.post("/api/v1/prescriptions", json=body)
    assert response.status_code == 422 and field in response.json["errors"]


@pytest.mark.parametrize("field", ["case_id", "prescriber_id", "product_id", "sig", "quantity",
                                   "days_supply", "written_on"])
def test_required_fields_are_422(world, seeded, tech, field):
    body = rx_body(world, seeded["KET-CRM-10"])
    del body[field]
    response = tech.post("/api/v1/prescriptions", json=body)
    assert response.status_code == 422 and field in response.json["errors"]


@pytest.mark.parametrize(("field", "value"), [
    ("quantity", 0), ("quantity", -1), ("quantity", "lots"), ("quantity", 1.2345),
    ("days_supply", 0), ("refills_authorized", -1), ("written_on", "2026-13-40"),
    ("source", "carrier pigeon"), ("diagnosis_codes", ["NOT-A-CODE"]), ("case_id", "1"),
])
def test_bad_values_are_422_never_500(world, seeded, tech, field, value):
    response = tech.post("/api/v1/prescriptions",
                         json=rx_body(world, seeded["KET-CRM-10"], **{field: value}))
    assert response.status_code == 422 and field in response.json["errors"]


def test_future_written_date_is_422(world, seeded, tech):
    tomorrow = (clock.today() + timedelta(days=1)).isoformat()
    response = tech.post("/api/v1/prescriptions",
                         json=rx_body(world, seeded["KET-CRM-10"], written_on=tomorrow))
    assert response.status_code == 422 and "written_on" in response.json["errors"]


def test_body_that_is_not_json_is_400(tech):
    response = tech.post("/api/v1/prescriptions", data="{nope",
                         headers={"Content-Type": "application/json"})
    assert response.status_code == 400


def test_closed_case_is_409_case_closed(app, world, seeded, tech):
    with app.app_context():
        case = cases.get_case(None, world.case_id)
        cases.transition(None, case, "closed_no_recovery", "case dropped")
        db.session.commit()
    response = tech.post("/api/v1/prescriptions", json=rx_body(world, seeded["KET-CRM-10"]))
    assert response.status_code == 409 and response.json["code"] == "case_closed"


def test_prescription_written_long_ago_is_entered_as_expired(world, seeded, tech):
    written = (clock.today() - timedelta(days=200)).isoformat()
    response = tech.post("/api/v1/prescriptions",
                         json=rx_body(world, seeded["KET-TRO-25"], written_on=written))
    assert response.status_code == 201 and response.json["status"] == "expired"


@pytest.mark.parametrize("role", ["billing", "admin", "attorney"])
def test_only_pharmacists_and_technicians_enter_prescriptions_403(api_as, world, seeded, role):
    response = api_as(role).post("/api/v1/prescriptions",
                                 json=rx_body(world, seeded["KET-CRM-10"]))
    assert response.status_code == 403


def test_entering_a_prescription_needs_credentials_401(anonymous, world, seeded):
    response = anonymous.post("/api/v1/prescriptions", json=rx_body(world, seeded["KET-CRM-10"]))
    assert response.status_code == 401


def test_billing_reads_a_prescription_with_what_was_filled(api_as, world, seeded, tech):
    created = tech.post("/api/v1/prescriptions", json=rx_body(world, seeded["KET-CRM-10"])).json
    response = api_as("billing").get(f"/api/v1/prescriptions/{created['id']}")
    assert response.status_code == 200
    assert (response.json["fills_dispensed"], response.json["quantity_dispensed"]) == (0, 0)
    assert response.json["quantity_remaining"] == 270


def test_unknown_prescription_is_404(tech):
    assert tech.get("/api/v1/prescriptions/424242").status_code == 404


def test_pharmacist_cancels_an_active_prescription_once(world, seeded, tech, pharmacist):
    created = tech.post("/api/v1/prescriptions", json=rx_body(world, seeded["KET-CRM-10"])).json
    path = f"/api/v1/prescriptions/{created['id']}/cancel"
    assert tech.post(path, json={"reason": "prescriber called"}).status_code == 403
    assert pharmacist.post(path, json={}).status_code == 422
    response = pharmacist.post(path, json={"reason": "prescriber called"})
    assert response.status_code == 200 and response.json["status"] == "cancelled"
    again = pharmacist.post(path, json={"reason": "again"})
    assert again.status_code == 409 and again.json["code"] == "invalid_transition"
