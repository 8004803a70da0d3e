"""SPEC §7.3: the structured dose against the quantity keyed (a moderate quantity_mismatch
alert at entry), and the dose's daily amount driving the max-dose rules."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lienrx.dur import services as dur
from lienrx.extensions import db
from lienrx.seeds.formulary import seed_data
from tests.formulary.factories import INDICATION, load_products


def enter(client, world, product_id, quantity, days_supply, dose, **fields):
    body = {"case_id": world.case_id, "prescriber_id": world.prescriber_id,
            "product_id": product_id, "quantity": quantity, "days_supply": days_supply,
            "written_on": "2026-11-01", "diagnosis_codes": ["G90.511"],
            "indication": INDICATION, "dose": dose, **fields}
    response = client.post("/api/v1/prescriptions", json=body)
    assert response.status_code == 201, response.json
    return response.json


def kinds(prescription):
    return {a["kind"]: a for a in prescription["dur_alerts"]}


def test_quantity_mismatch_alert_when_quantity_per_day_differs_by_more_than_10_percent(
        world, seeded, tech):
    # "1600 mg TID" keyed as 180 tablets of 800 mg for 60 days: 3 a day, the dose needs 6.
    rx = enter(tech, world, seeded["GABA-TAB-800"], 180, 60,
               {"amount": 1600, "unit": "mg", "times_per_day": 3})
    alert = kinds(rx)["quantity_mismatch"]
    assert alert["severity"] == "moderate" and alert["status"] == "open"
    assert alert["message"] == (
        "Gabapentin 800 mg tablet: 180 each for 60 days is 3 each/day, but the structured "
        "dose comes to 6 each/day: more than 10 % apart.")


@pytest.mark.parametrize(("quantity", "fires"), [
    (90, False),   # 3 a day: the dose
    (82, False),   # 2.73 a day: 8.9 % short
    (99, False),   # 3.3 a day: 10 % over, at the limit
    (80, True),    # 2.67 a day: 11 % short
    (100, True),   # 3.33 a day: 11 % over
])
def test_quantity_mismatch_tolerates_10_percent_either_way(world, seeded, tech, quantity, fires):
    rx = enter(tech, world, seeded["GABA-CAP-300"], quantity, 30,
               {"amount": 300, "unit": "mg", "times_per_day": 3})
    assert ("quantity_mismatch" in kinds(rx)) is fires


def test_quantity_mismatch_compares_in_the_products_unit(world, seeded, tech):
    # 1 g of cream three times a day is 90 g a month, not 30.
    short = enter(tech, world, seeded["KET-CRM-10"], 30, 30,
                  {"amount": 1, "unit": "g", "times_per_day": 3})
    assert "3 g/day" in kinds(short)["quantity_mismatch"]["message"]
    # 10 mg/mL solution, 50 mg twice a day: 10 mL a day, 300 mL a month.
    assert "quantity_mismatch" not in kinds(enter(
        tech, world, seeded["KET-SOL-10"], 300, 30,
        {"amount": 50, "unit": "mg", "times_per_day": 2}))


def test_no_quantity_mismatch_without_a_measurable_dose(world, seeded, tech):
    unmeasured = enter(tech, world, seeded["KET-CRM-10"], 30, 30,
                       {"amount": 1, "unit": "application", "times_per_day": 3},
                       sig="Apply 1 thin layer to the affected area three times daily")
    assert "quantity_mismatch" not in kinds(unmeasured)
    no_dose = enter(tech, world, seeded["GABA-TAB-800"], 180, 60, None,
                    sig="1600 mg TID")
    assert "quantity_mismatch" not in kinds(no_dose)


def test_quantity_mismatch_tolerance_is_data(app, world, seeded, tech):
    (row,) = [r for r in seed_data()["dur_rules"] if r["kind"] == "quantity_mismatch"]
    assert row["params"] == {"tolerance": 0.1}
    with app.app_context():
        dur.upsert_rule(None, **{**row, "params": {"tolerance": 0.6}})
        db.session.commit()
    rx = enter(tech, world, seeded["GABA-TAB-800"], 180, 60,
               {"amount": 1600, "unit": "mg", "times_per_day": 3})
    assert "quantity_mismatch" not in kinds(rx)


def test_max_daily_dose_reads_the_structured_dose(world, seeded, tech):
    # By quantity 90 × 800 mg / 30 days = 2400 mg/day; the dose says 1600 mg × 3 = 4800.
    over = enter(tech, world, seeded["GABA-TAB-800"], 90, 30,
                 {"amount": 1600, "unit": "mg", "times_per_day": 3})
    assert "4800 mg/day exceeds the maximum of 3600" in kinds(over)["max_daily_dose"]["message"]


def test_without_a_dose_the_daily_dose_is_quantity_over_days_supply(ctx, world):
    from tests.formulary.factories import prescription

    load_products("GABA-TAB-800")
    rx = prescription(world.case_id, world.prescriber_id, "GABA-TAB-800",
                      quantity=Decimal(150), days_supply=30)
    medication = dur.as_medication(rx)
    assert medication.daily("mg") == 4000 and medication.daily("units") == 5
    assert {a.kind for a in dur.alerts_for(rx.id)} == {"max_daily_dose"}
