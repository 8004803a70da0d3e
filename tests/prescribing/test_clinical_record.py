"""SPEC §7.3: a prescription names the case's diagnoses it treats and the prescriber's stated
indication, and may carry a structured dose that writes its sig or is checked against it."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

import pytest

from lienrx.core import clock
from lienrx.extensions import db
from lienrx.prescribing import dose as dose_rules
from lienrx.prescribing.dose import Dose
from lienrx.prescribing.models import Prescription
from tests.formulary.factories import INDICATION


def rx_body(world, product_id, **fields):
    body = {"case_id": world.case_id, "prescriber_id": world.prescriber_id,
            "product_id": product_id, "sig": "Take 1 capsule by mouth three times daily",
            "quantity": 90, "days_supply": 30, "written_on": clock.today().isoformat(),
            "diagnosis_codes": ["G90.511"], "indication": INDICATION, **fields}
    return {k: v for k, v in body.items() if v is not None}


def entered(app):
    with app.app_context():
        return db.session.query(Prescription).count()


TID_300_MG = {"amount": 300, "unit": "mg", "times_per_day": 3}


# --- diagnoses and indication ---------------------------------------------------------------


def test_prescription_requires_a_diagnosis_code_of_the_case(app, world, seeded, tech):
    gabapentin = seeded["GABA-CAP-300"]
    missing = tech.post("/api/v1/prescriptions",
                        json=rx_body(world, gabapentin, diagnosis_codes=None))
    assert missing.status_code == 422 and "diagnosis_codes" in missing.json["errors"]
    empty = tech.post("/api/v1/prescriptions", json=rx_body(world, gabapentin,
                                                            diagnosis_codes=[]))
    assert empty.status_code == 422
    assert empty.json["errors"]["diagnosis_codes"] == [
        "Name at least one of the case's diagnoses."]
    # A valid ICD-10 code, but not one of this case's (the case has G90.511 only).
    foreign = tech.post("/api/v1/prescriptions", json=rx_body(
        world, gabapentin, diagnosis_codes=["G90.511", "s62101a"]))
    assert foreign.status_code == 422
    assert foreign.json["errors"]["diagnosis_codes"] == [
        "S62.101A is not one of this case's diagnoses (G90.511)."]
    assert entered(app) == 0
    ok = tech.post("/api/v1/prescriptions", json=rx_body(world, gabapentin,
                                                         diagnosis_codes=["g90511"]))
    assert ok.status_code == 201 and ok.json["diagnosis_codes"] == ["G90.511"]


def test_prescription_requires_an_indication(app, world, seeded, tech):
    gabapentin = seeded["GABA-CAP-300"]
    for indication in (None, "   "):
        refused = tech.post("/api/v1/prescriptions",
                            json=rx_body(world, gabapentin, indication=indication))
        assert refused.status_code == 422 and "indication" in refused.json["errors"]
    assert entered(app) == 0
    created = tech.post("/api/v1/prescriptions", json=rx_body(world, gabapentin)).json
    assert created["indication"] == INDICATION
    shown = tech.get(f"/api/v1/prescriptions/{created['id']}").json
    assert shown["indication"] == INDICATION


def test_the_service_refuses_an_entry_without_diagnosis_or_indication(ctx, world):
    """The rule lives in the service, so the pages, the CLI and the seeds follow it too."""
    from lienrx.core.errors import ValidationFailed
    from lienrx.prescribing import services
    from tests.formulary.factories import load_products

    product = load_products("GABA-CAP-300")["GABA-CAP-300"]
    with pytest.raises(ValidationFailed) as refused:
        services.create_prescription(
            None, case_id=world.case_id, prescriber_id=world.prescriber_id,
            product_id=product, sig="As directed", quantity=Decimal(90), days_supply=30,
            written_on=clock.today())
    assert set(refused.value.errors) == {"diagnosis_codes", "indication"}


# --- structured dose ------------------------------------------------------------------------


def test_structured_dose_is_stored_and_returned(app, world, seeded, tech):
    created = tech.post("/api/v1/prescriptions",
                        json=rx_body(world, seeded["GABA-CAP-300"], dose=TID_300_MG))
    assert created.status_code == 201, created.json
    assert created.json["dose"] == {"amount": 300, "unit": "mg", "times_per_day": 3}
    assert tech.get(f"/api/v1/prescriptions/{created.json['id']}").json["dose"] == (
        created.json["dose"])
    with app.app_context():
        rx = db.session.get(Prescription, created.json["id"])
        assert rx.daily_amount == 900
        assert dose_rules.daily_dose_mg(rx) == 900 and dose_rules.daily_dose_units(rx) == 3
    without = tech.post("/api/v1/prescriptions", json=rx_body(world, seeded["KET-CRM-10"]))
    assert without.status_code == 201 and without.json["dose"] is None


def test_every_other_day_is_half_a_time_per_day(world, seeded, tech):
    created = tech.post("/api/v1/prescriptions", json=rx_body(
        world, seeded["ALEN-TAB-70"], sig=None, quantity=15,
        dose={"amount": 70, "unit": "mg", "times_per_day": 0.5}))
    assert created.status_code == 201, created.json
    assert created.json["dose"]["times_per_day"] == 0.5
    assert created.json["sig"] == "Take 70 mg by mouth every other day"


@pytest.mark.parametrize(("dose", "field"), [
    ({"amount": 300, "unit": "mcg", "times_per_day": 3}, "unit"),
    ({"amount": 0, "unit": "mg", "times_per_day": 3}, "amount"),
    ({"amount": 300, "unit": "mg", "times_per_day": 0}, "times_per_day"),
    ({"amount": 300, "unit": "mg", "times_per_day": 25}, "times_per_day"),
    ({"amount": 300, "unit": "mg"}, "times_per_day"),
])
def test_a_bad_dose_is_422_naming_its_field(app, world, seeded, tech, dose, field):
    refused = tech.post("/api/v1/prescriptions",
                        json=rx_body(world, seeded["GABA-CAP-300"], dose=dose))
    assert refused.status_code == 422
    assert field in refused.json["errors"]["dose"]
    assert entered(app) == 0


def test_a_dose_unit_the_product_is_not_measured_in_is_422(world, seeded, tech):
    refused = tech.post("/api/v1/prescriptions", json=rx_body(
        world, seeded["GABA-CAP-300"], dose={"amount": 5, "unit": "mL", "times_per_day": 3}))
    assert refused.status_code == 422
    assert refused.json["errors"]["dose"]["unit"] == [
        "A dose of this product is given in mg, g, each, not mL."]


CREAM = SimpleNamespace(unit="g", route="topical", dosage_form="cream",
                        strength_mg_per_unit=Decimal(100))
CAPSULE = SimpleNamespace(unit="each", route="oral", dosage_form="capsule",
                          strength_mg_per_unit=Decimal(300))
SOLUTION = SimpleNamespace(unit="mL", route="oral", dosage_form="oral solution",
                           strength_mg_per_unit=Decimal(10))
PATCH = SimpleNamespace(unit="each", route="topical", dosage_form="patch",
                        strength_mg_per_unit=Decimal(700))


@pytest.mark.parametrize(("product", "dose", "mg", "units"), [
    (CAPSULE, Dose(Decimal(300), "mg", Decimal(3)), 900, 3),      # mg: as given
    (CAPSULE, Dose(Decimal(1), "each", Decimal(3)), 900, 3),      # each × strength
    (CAPSULE, Dose(Decimal("0.6"), "g", Decimal(2)), 1200, 4),    # g of drug × 1000
    (CREAM, Dose(Decimal(1), "g", Decimal(3)), 300, 3),           # g of the cream × strength
    (SOLUTION, Dose(Decimal(5), "mL", Decimal(2)), 100, 10),      # mL × strength
    (PATCH, Dose(Decimal(1), "patch", Decimal(1)), 700, 1),       # a patch is one unit
    (CREAM, Dose(Decimal(1), "application", Decimal(2)), None, None),  # unmeasured
])
def test_daily_dose_in_mg_and_in_the_products_unit(product, dose, mg, units):
    rx = SimpleNamespace(dose=dose, product=product)
    assert dose_rules.daily_dose_mg(rx) == (None if mg is None else Decimal(mg))
    assert dose_rules.daily_dose_units(rx) == (None if units is None else Decimal(units))


# --- the sig --------------------------------------------------------------------------------


@pytest.mark.parametrize(("code", "dose", "sig"), [
    ("GABA-CAP-300", TID_300_MG, "Take 300 mg by mouth three times daily"),
    ("KET-CRM-10", {"amount": 1, "unit": "g", "times_per_day": 3},
     "Apply 1 g to the affected area three times daily"),
    ("KET-TRO-25", {"amount": 1, "unit": "each", "times_per_day": 2},
     "Dissolve 1 troche under the tongue twice daily"),
    ("LIDO-PAT-5", {"amount": 2, "unit": "patch", "times_per_day": 1},
     "Apply 2 patches to the affected area once daily"),
    ("KET-SOL-10", {"amount": 2.5, "unit": "mL", "times_per_day": 6},
     "Take 2.5 mL by mouth 6 times daily"),
])
def test_sig_generated_from_the_structured_dose(world, seeded, tech, code, dose, sig):
    created = tech.post("/api/v1/prescriptions",
                        json=rx_body(world, seeded[code], sig=None, dose=dose, quantity=60))
    assert created.status_code == 201, created.json
    assert created.json["sig"] == sig


@pytest.mark.parametrize("sig", ["Take 300 mg by mouth three times daily",
                                 "1 capsule by mouth TID", "300 mg po 3 times a day"])
def test_a_typed_sig_that_states_the_dose_is_kept(world, seeded, tech, sig):
    created = tech.post("/api/v1/prescriptions",
                        json=rx_body(world, seeded["GABA-CAP-300"], sig=sig, dose=TID_300_MG))
    assert created.status_code == 201, created.json
    assert created.json["sig"] == sig


@pytest.mark.parametrize("sig", ["Take 600 mg by mouth three times daily",
                                 "Take 300 mg by mouth twice daily",
                                 "Take 300 mg by mouth daily", "As directed"])
def test_a_typed_sig_contradicting_the_dose_is_422_on_sig(app, world, seeded, tech, sig):
    refused = tech.post("/api/v1/prescriptions",
                        json=rx_body(world, seeded["GABA-CAP-300"], sig=sig, dose=TID_300_MG))
    assert refused.status_code == 422
    assert refused.json["errors"]["sig"] == [
        "The sig does not match the dose (Take 300 mg by mouth three times daily): it must "
        "give the amount (300 mg or 1 capsule) and how often (three times daily)."]
    assert entered(app) == 0


def test_a_sig_is_required_without_a_dose(world, seeded, tech):
    refused = tech.post("/api/v1/prescriptions",
                        json=rx_body(world, seeded["GABA-CAP-300"], sig=None))
    assert refused.status_code == 422
    assert refused.json["errors"]["sig"] == [
        "Give the directions, or a dose to write them from."]


def test_every_generated_sig_passes_its_own_check():
    for times in ("0.5", "1", "2", "3", "4", "5", "1.5"):
        for product, unit in ((CAPSULE, "mg"), (CAPSULE, "each"), (CREAM, "g"),
                              (SOLUTION, "mL"), (PATCH, "patch")):
            dose = Dose(Decimal(2), unit, Decimal(times))
            assert dose_rules.sig_problem(dose_rules.sig_for(dose, product), dose,
                                          product) is None, (times, unit)
