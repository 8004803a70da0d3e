"""SPEC §7.3: DUR reviews the patient (every case, supplies in use, outside medications) and
its rule table, read with the patient's sex, creatinine clearance and allergies."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from lienrx.core import clock
from lienrx.dispensing import services as dispensing
from lienrx.dur import services as dur
from lienrx.extensions import db
from lienrx.parties import services as parties
from lienrx.parties.models import LawFirm
from lienrx.prescribing import services as prescribing
from tests import factories
from tests.formulary.factories import (
    GABAPENTIN_300_NDC,
    load_products,
    prescription,
    receive_ndc_lot,
)


def rules_fired(rx: Any) -> dict[str, Any]:
    return {a.rule_code: a for a in dur.alerts_for(rx.id)}


def other_case(world: Any) -> int:
    """A second active case of the world's patient (another injury, another firm's file)."""
    firm = db.session.get(LawFirm, world.firm_id)
    return factories.case(firm, patient_id=world.patient_id).id


def enter(world: Any, code: str, case_id: int | None = None, **fields: Any) -> Any:
    return prescription(case_id or world.case_id, world.prescriber_id, code, **fields)


def profile(world: Any, **fields: Any) -> None:
    parties.update_patient(factories.user("pharmacist"), world.patient_id, **fields)


def test_dur_sees_the_patients_other_cases(ctx, world):
    load_products("GABA-CAP-300", "PREG-CAP-75")
    enter(world, "GABA-CAP-300")
    pregabalin = enter(world, "PREG-CAP-75", case_id=other_case(world))
    alert = rules_fired(pregabalin)["dup-gabapentin-pregabalin"]
    assert alert.severity == "high" and "Gabapentin" in alert.message


def test_another_patients_prescriptions_are_not_reviewed(ctx, world):
    load_products("GABA-CAP-300", "PREG-CAP-75")
    firm = db.session.get(LawFirm, world.firm_id)
    stranger = factories.case(firm)  # a new patient
    enter(world, "GABA-CAP-300", case_id=stranger.id)
    assert rules_fired(enter(world, "PREG-CAP-75")) == {}


def test_expired_prescription_is_not_active_for_dur(ctx, world):
    load_products("GABA-CAP-300", "PREG-CAP-75")
    gabapentin = enter(world, "GABA-CAP-300")
    db.session.commit()
    clock.freeze(clock.utcnow() + timedelta(days=(gabapentin.expires_on - clock.today()).days
                                            + 1))
    assert prescribing.get_prescription(gabapentin.id).status == "active"  # stored: stale
    assert rules_fired(enter(world, "PREG-CAP-75")) == {}


def test_prescription_with_nothing_left_to_fill_is_not_active_for_dur(ctx, world):
    load_products("GABA-CAP-300", "PREG-CAP-75")
    gabapentin = enter(world, "GABA-CAP-300")
    gabapentin.quantity_forfeited = gabapentin.quantity_authorized  # every fill closed short
    db.session.flush()
    assert gabapentin.status == "active"
    assert dur.active_prescriptions(world.patient_id, clock.today()) == []
    assert rules_fired(enter(world, "PREG-CAP-75")) == {}


def test_a_supply_in_use_on_another_case_counts(ctx, world):
    load_products("GABA-CAP-300", "PREG-CAP-75")
    gabapentin = enter(world, "GABA-CAP-300", quantity=Decimal(90), days_supply=30)
    receive_ndc_lot(GABAPENTIN_300_NDC, "GB-P1")  # Schedule V in TN: drawn from a lot
    dispensing.dispense(factories.user("pharmacist"), dispensing.DispenseRequest(
        prescription_id=gabapentin.id, quantity=Decimal(90), days_supply=30,
        ndc=GABAPENTIN_300_NDC, lot_number="GB-P1", medguide_provided=True))
    assert dur.active_prescriptions(world.patient_id, clock.today()) == []  # all dispensed
    pregabalin = enter(world, "PREG-CAP-75", case_id=other_case(world))
    assert "dup-gabapentin-pregabalin" in rules_fired(pregabalin)


def test_topical_ketamine_is_not_a_cns_depressant(ctx, world):
    load_products("KET-CRM-10", "GABA-CAP-300", "AMIT-TAB-25")
    enter(world, "GABA-CAP-300")
    amitriptyline = enter(world, "AMIT-TAB-25")
    cream = enter(world, "KET-CRM-10")
    assert "cns-depressant-count" not in rules_fired(cream)
    again = dur.evaluate(amitriptyline, None)  # gabapentin, amitriptyline and the cream
    assert "cns-depressant-count" not in {a.rule_code for a in again}


def test_three_systemic_cns_depressants_still_raise_the_count(ctx, world):
    load_products("KET-TRO-25", "GABA-CAP-300", "AMIT-TAB-25")
    enter(world, "GABA-CAP-300")
    enter(world, "AMIT-TAB-25")
    troche = enter(world, "KET-TRO-25")
    assert rules_fired(troche)["cns-depressant-count"].severity == "high"


def test_oral_and_sublingual_ketamine_are_duplicate_therapy(ctx, world):
    load_products("KET-SOL-10", "KET-TRO-25")
    enter(world, "KET-SOL-10", quantity=Decimal(300))
    troche = enter(world, "KET-TRO-25", quantity=Decimal(90))
    alert = rules_fired(troche)["dup-ketamine-systemic"]
    assert alert.kind == "duplicate_therapy" and alert.severity == "high"


def test_ketamine_cream_with_oral_ketamine_is_not_duplicate_therapy(ctx, world):
    load_products("KET-SOL-10", "KET-CRM-10")
    enter(world, "KET-SOL-10", quantity=Decimal(300))
    cream = enter(world, "KET-CRM-10")
    assert rules_fired(cream) == {}


def test_allergy_to_the_active_ingredient_is_a_high_allergy_alert(ctx, world):
    load_products("LDN-CAP-1.5", "GABA-CAP-300")
    profile(world, allergies=[{"substance": "Naltrexone HCl", "reaction": "hives"}])
    alert = rules_fired(enter(world, "LDN-CAP-1.5"))["allergy-active-ingredient"]
    assert alert.kind == "allergy" and alert.severity == "high"
    assert "naltrexone" in alert.message and "Naltrexone HCl (reaction: hives)" in alert.message
    assert rules_fired(enter(world, "GABA-CAP-300")) == {}  # no allergy to gabapentin


# Gabapentin 300 mg capsules over 30 days: 10 mg/day per capsule prescribed.
@pytest.mark.parametrize(("crcl", "mg_per_day", "rule"), [
    (75, 3600, None), (75, 3700, "max-dose-gabapentin"),
    (45, 1400, None), (45, 1500, "max-dose-gabapentin-crcl-30-59"),
    (20, 700, None), (20, 800, "max-dose-gabapentin-crcl-15-29"),
    (10, 300, None), (10, 400, "max-dose-gabapentin-crcl-below-15"),
    (10, 3700, "max-dose-gabapentin-crcl-below-15"),  # one alert: the renal limit
])
def test_gabapentin_renal_limit_by_creatinine_clearance(ctx, world, crcl, mg_per_day, rule):
    load_products("GABA-CAP-300")
    profile(world, creatinine_clearance=Decimal(crcl),
            creatinine_clearance_on=clock.today() - timedelta(days=7))
    fired = rules_fired(enter(world, "GABA-CAP-300", quantity=Decimal(mg_per_day // 10)))
    assert list(fired) == ([rule] if rule else [])
    if rule:
        assert f"{mg_per_day} mg/day" in fired[rule].message


# Pregabalin 75 mg capsules over 30 days: 2.5 mg/day per capsule prescribed.
@pytest.mark.parametrize(("crcl", "capsules", "rule"), [
    (60, 240, None), (60, 260, "max-dose-pregabalin"),
    (59, 120, None), (59, 132, "max-dose-pregabalin-crcl-30-59"),
    (15, 60, None), (15, 72, "max-dose-pregabalin-crcl-15-29"),
    (14, 30, None), (14, 36, "max-dose-pregabalin-crcl-below-15"),
])
def test_pregabalin_renal_limit_by_creatinine_clearance(ctx, world, crcl, capsules, rule):
    load_products("PREG-CAP-75")
    profile(world, creatinine_clearance=Decimal(crcl))
    fired = rules_fired(enter(world, "PREG-CAP-75", quantity=Decimal(capsules)))
    assert list(fired) == ([rule] if rule else [])


def test_renal_limit_message_names_the_clearance_and_its_date(ctx, world):
    load_products("GABA-CAP-300")
    measured = clock.today() - timedelta(days=3)
    profile(world, creatinine_clearance=Decimal("22.5"), creatinine_clearance_on=measured)
    alert = rules_fired(enter(world, "GABA-CAP-300", quantity=Decimal(90)))[
        "max-dose-gabapentin-crcl-15-29"]
    assert f"22.5 mL/min on {measured.isoformat()}" in alert.message


def test_zolpidem_limit_for_female_patients_is_5_mg(ctx, world):
    load_products("ZOLP-TAB-5", "ZOLP-TAB-10")
    profile(world, sex="female")
    assert rules_fired(enter(world, "ZOLP-TAB-5")) == {}
    alert = rules_fired(enter(world, "ZOLP-TAB-10", case_id=other_case(world)))[
        "max-dose-zolpidem-female"]
    assert "5 mg/day" in alert.message and alert.kind == "max_daily_dose"


def test_zolpidem_10_mg_for_a_male_patient_raises_nothing(ctx, world):
    load_products("ZOLP-TAB-10")
    profile(world, sex="male")
    assert rules_fired(enter(world, "ZOLP-TAB-10")) == {}


def test_systemic_ketamine_above_300_mg_a_day_is_moderate(ctx, world):
    load_products("KET-TRO-25")
    fired = rules_fired(enter(world, "KET-TRO-25", quantity=Decimal(450)))  # 375 mg/day
    assert list(fired) == ["max-dose-ketamine-systemic"]
    assert fired["max-dose-ketamine-systemic"].severity == "moderate"
    assert rules_fired(enter(world, "KET-TRO-25", quantity=Decimal(360),
                             case_id=other_case(world))) != {}  # with the first: 675 mg/day


def test_systemic_ketamine_above_600_mg_a_day_is_high(ctx, world):
    load_products("KET-SOL-50")
    fired = rules_fired(enter(world, "KET-SOL-50", quantity=Decimal(390)))  # 650 mg/day
    assert list(fired) == ["max-dose-ketamine-systemic-high"]  # not the 300 mg/day one too
    assert fired["max-dose-ketamine-systemic-high"].severity == "high"


def test_topical_ketamine_does_not_count_toward_the_systemic_daily_limit(ctx, world):
    load_products("KET-CRM-10", "KET-TRO-25")
    enter(world, "KET-CRM-10", quantity=Decimal(300))  # 1000 mg/day on the skin
    assert rules_fired(enter(world, "KET-TRO-25", quantity=Decimal(240))) == {}  # 200 mg/day


def test_ldn_with_an_outside_opioid_fires(ctx, world):
    load_products("LDN-CAP-4.5")
    parties.record_outside_medication(
        factories.user("pharmacist"), world.patient_id, name="Oxycodone 5 mg tablet",
        ingredient="Oxycodone", source="pdmp", started_on=clock.today() - timedelta(days=20))
    alert = rules_fired(enter(world, "LDN-CAP-4.5"))["int-ldn-opioid"]
    assert alert.severity == "high" and "Oxycodone 5 mg tablet (outside medication)" in \
        alert.message


def test_a_stopped_outside_medication_is_not_reviewed(ctx, world):
    load_products("LDN-CAP-4.5")
    parties.record_outside_medication(
        factories.user("pharmacist"), world.patient_id, name="Tramadol 50 mg",
        ingredient="tramadol", source="patient", started_on=clock.today() - timedelta(days=60),
        stopped_on=clock.today() - timedelta(days=30))
    assert rules_fired(enter(world, "LDN-CAP-4.5")) == {}


def test_an_outside_dose_adds_to_the_daily_total(ctx, world):
    load_products("GABA-CAP-300")
    parties.record_outside_medication(
        factories.user("pharmacist"), world.patient_id, name="Gabapentin 600 mg",
        ingredient="gabapentin", dose_mg_per_day=Decimal(1200), source="other_pharmacy")
    fired = rules_fired(enter(world, "GABA-CAP-300", quantity=Decimal(270)))  # 2700 mg/day
    assert "3900 mg/day" in fired["max-dose-gabapentin"].message

