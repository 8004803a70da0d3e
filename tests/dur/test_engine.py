"""Every seeded DUR rule fires when it must and stays quiet when it must not."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lienrx.dur.engine import (
    KIND_CHECKS,
    NO_FACTS,
    Allergy,
    Medication,
    PatientFacts,
    RuleView,
    review,
)
from lienrx.dur.quantity import DosedMedication
from lienrx.seeds.formulary import seed_data

SEED = seed_data()
RULES = [RuleView(r["code"], r["kind"], r["severity"], r["params"], r["message"])
         for r in SEED["dur_rules"] if r.get("active", True)]
PRODUCTS = {p["code"]: p for p in SEED["products"]}
OPIOID = {"code": "OXY-TAB-5", "name": "Oxycodone 5 mg tablet", "route": "oral",
          "dur_classes": ["opioid"], "strength_mg_per_unit": 5}
BENZO = {"code": "ALPRAZ-1", "name": "Alprazolam 1 mg tablet", "route": "oral",
         "dur_classes": ["benzodiazepine"], "strength_mg_per_unit": 1}
_ids = iter(range(1, 10_000))


def med(code: str, quantity: float = 30, days: int = 30) -> Medication:
    p = PRODUCTS.get(code) or {"OXY-TAB-5": OPIOID, "ALPRAZ-1": BENZO}[code]
    return Medication(next(_ids), p["code"], p["name"], p["route"], frozenset(p["dur_classes"]),
                      Decimal(str(quantity)), days, Decimal(str(p["strength_mg_per_unit"])),
                      ingredient=p.get("active_ingredient"))


def dosed(medication: Medication, units_per_day: float) -> DosedMedication:
    """The medication with a structured dose of ``units_per_day`` product units a day."""
    return DosedMedication(**vars(medication), unit="each",
                           dose_daily_units=Decimal(str(units_per_day)))


def fired(subject: Medication, *others: Medication, facts: PatientFacts = NO_FACTS) -> set[str]:
    return {f.rule.code for f in review(subject, list(others), RULES, facts)}


def crcl(value: float) -> PatientFacts:
    return PatientFacts(creatinine_clearance=Decimal(str(value)))


FEMALE = PatientFacts(sex="female")


# rule code -> (subject, other medications[, patient facts]) that must raise it
CASES = {
    "dup-gabapentin-pregabalin": lambda: (med("PREG-CAP-75"), [med("GABA-CAP-300")]),
    "dup-amitriptyline-nortriptyline": lambda: (med("NORT-CAP-10"), [med("AMIT-TAB-25")]),
    "dup-duloxetine-sertraline": lambda: (med("SERT-TAB-50"), [med("DULO-CAP-60")]),
    "dup-zolpidem-trazodone": lambda: (med("ZOLP-TAB-5"), [med("TRAZ-TAB-50")]),
    "dup-corticosteroids": lambda: (med("MPRED-DP-4", 21, 6), [med("PRED-TAB-10")]),
    "dup-ketamine-systemic": lambda: (med("KET-SOL-50", 100), [med("KET-TRO-25")]),
    "cns-depressant-count": lambda: (med("KET-TRO-25", 90),
                                     [med("GABA-CAP-300", 90), med("ZOLP-TAB-5")]),
    "int-ldn-opioid": lambda: (med("LDN-CAP-4.5"), [med("OXY-TAB-5")]),
    "int-serotonergic-duloxetine-tca": lambda: (med("DULO-CAP-30"), [med("AMIT-TAB-10")]),
    "int-serotonergic-duloxetine-trazodone": lambda: (med("TRAZ-TAB-50"), [med("DULO-CAP-30")]),
    "int-serotonergic-ssri-tca": lambda: (med("SERT-TAB-50"), [med("NORT-CAP-25")]),
    "int-serotonergic-ssri-trazodone": lambda: (med("SERT-TAB-50"), [med("TRAZ-TAB-50")]),
    "int-phenoxybenzamine-trazodone": lambda: (med("PBZ-CAP-10", 60), [med("TRAZ-TAB-50")]),
    "int-phenoxybenzamine-tca": lambda: (med("PBZ-CAP-10", 60), [med("AMIT-TAB-10")]),
    "max-dose-gabapentin": lambda: (med("GABA-TAB-800", 150), []),
    "max-dose-pregabalin": lambda: (med("PREG-CAP-150", 150), []),
    "max-dose-ldn": lambda: (med("LDN-CAP-3", 60), []),
    "max-dose-lidocaine-patch": lambda: (med("LIDO-PAT-5", 120), []),
    "max-dose-zolpidem": lambda: (med("ZOLP-TAB-10", 60), []),
    "max-dose-duloxetine": lambda: (med("DULO-CAP-60", 90), []),
    "quantity-mismatch": lambda: (dosed(med("GABA-TAB-800", 180, 60), 6), []),
    "max-dose-gabapentin-crcl-30-59": lambda: (med("GABA-CAP-300", 150), [], crcl(45)),
    "max-dose-gabapentin-crcl-15-29": lambda: (med("GABA-CAP-300", 90), [], crcl(20)),
    "max-dose-gabapentin-crcl-below-15": lambda: (med("GABA-CAP-300", 60), [], crcl(10)),
    "max-dose-pregabalin-crcl-30-59": lambda: (med("PREG-CAP-150", 90), [], crcl(45)),
    "max-dose-pregabalin-crcl-15-29": lambda: (med("PREG-CAP-75", 90), [], crcl(20)),
    "max-dose-pregabalin-crcl-below-15": lambda: (med("PREG-CAP-75", 60), [], crcl(10)),
    "max-dose-zolpidem-female": lambda: (med("ZOLP-TAB-10"), [], FEMALE),
    "max-dose-ketamine-systemic": lambda: (med("KET-TRO-25", 450), []),        # 375 mg/day
    "max-dose-ketamine-systemic-high": lambda: (med("KET-SOL-50", 390), []),   # 650 mg/day
    "allergy-active-ingredient": lambda: (med("KET-TRO-25"), [], PatientFacts(
        allergies=(Allergy("Ketamine HCl", "hallucinations"),))),
}


def case(code: str) -> tuple[Medication, list[Medication], PatientFacts]:
    subject, others, *facts = CASES[code]()
    return subject, others, facts[0] if facts else NO_FACTS


def test_every_seeded_rule_has_a_case_and_an_engine():
    assert set(CASES) == {r.code for r in RULES}
    assert {r.kind for r in RULES} <= set(KIND_CHECKS)


@pytest.mark.parametrize("code", sorted(CASES))
def test_rule_fires(code):
    subject, others, facts = case(code)
    assert code in fired(subject, *others, facts=facts)


@pytest.mark.parametrize("code", sorted(CASES))
def test_rule_is_quiet_without_its_counterpart(code):
    subject, others, facts = case(code)
    if code.startswith("max-dose") or code == "quantity-mismatch":
        subject = med(subject.product_code, 1, 30)
    if code.startswith("allergy"):  # an allergy to something else
        facts = PatientFacts(allergies=(Allergy("Penicillin"),))
    assert code not in fired(subject, facts=facts)


@pytest.mark.parametrize("code", sorted(c for c in CASES if len(CASES[c]()) == 3))
def test_rule_on_a_patient_fact_is_quiet_when_the_fact_is_unknown(code):
    subject, others, _ = case(code)
    assert code not in fired(subject, *others)


def test_rule_fires_from_either_side_of_the_pair():
    assert "dup-gabapentin-pregabalin" in fired(med("GABA-CAP-300"), med("PREG-CAP-75"))
    assert "int-ldn-opioid" in fired(med("OXY-TAB-5"), med("LDN-CAP-1.5"))


def test_ketamine_cream_with_a_systemic_ketamine_is_not_duplicate_therapy():
    assert "dup-ketamine-systemic" not in fired(med("KET-CRM-10", 100), med("KET-TRO-25"))
    assert "dup-ketamine-systemic" not in fired(med("KET-SOL-10", 100), med("KET-CRM-10", 100))


def test_a_retired_rule_is_not_run():
    assert "dup-ketamine-same-route" not in {r.code for r in RULES}


def test_two_cns_depressants_are_below_the_threshold():
    assert "cns-depressant-count" not in fired(med("KET-TRO-25"), med("GABA-CAP-300"))


def test_cns_count_names_the_number_and_counts_opioids_and_benzodiazepines():
    (finding,) = [f for f in review(med("OXY-TAB-5"), [med("ALPRAZ-1"), med("TRAZ-TAB-50"),
                                                       med("SERT-TAB-50")], RULES)
                  if f.rule.code == "cns-depressant-count"]
    assert "3 concurrent" in finding.message and finding.rule.severity == "high"


@pytest.mark.parametrize(("code", "quantity", "days", "fires"), [
    ("GABA-CAP-300", 360, 30, False),   # 3600 mg/day: at the limit
    ("GABA-CAP-300", 361, 30, True),
    ("LDN-CAP-4.5", 30, 30, False),     # 4.5 mg/day
    ("LIDO-PAT-5", 90, 30, False),      # 3 patches/day
    ("ZOLP-TAB-10", 30, 30, False),
    ("DULO-CAP-60", 60, 30, False),     # 120 mg/day
    ("PREG-CAP-150", 120, 30, False),   # 600 mg/day
])
def test_daily_dose_is_quantity_times_strength_over_days_supply(code, quantity, days, fires):
    rule = "max-dose-" + {"GABA": "gabapentin", "LDN-": "ldn", "LIDO": "lidocaine-patch",
                          "ZOLP": "zolpidem", "DULO": "duloxetine", "PREG": "pregabalin"}[code[:4]]
    assert (rule in fired(med(code, quantity, days))) is fires


def test_daily_doses_of_one_drug_add_up_across_prescriptions():
    findings = review(med("GABA-TAB-800", 90), [med("GABA-CAP-300", 150)], RULES)
    (finding,) = [f for f in findings if f.rule.code == "max-dose-gabapentin"]
    assert "3900 mg/day" in finding.message and "3600 mg/day" in finding.message
    assert "max-dose-gabapentin" not in fired(med("GABA-TAB-800", 90), med("GABA-CAP-300", 30))
