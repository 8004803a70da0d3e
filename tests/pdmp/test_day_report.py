"""A day's report from the records (SPEC §7.6): scope, records, voids, zero reports."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from lienrx.core import clock
from lienrx.dispensing.models import Dispense
from lienrx.extensions import db
from lienrx.formulary.models import FormulationIngredient
from lienrx.inventory.models import InventoryLot
from lienrx.pdmp import services
from tests.pdmp.asap_validator import Segment, assert_valid
from tests.pdmp.conftest import FILL_DAY, KETAMINE_POWDER_NDC, NEXT_DAY, after, at, fill


def generate(app: Any, day: Any, state: str | None = None) -> tuple[Any, list[Segment]]:
    with app.app_context():
        report = services.generate(None, report_date=day, state=state)
        db.session.commit()
        return report, assert_valid(report.content)


def batch_of(app: Any, dispense_id: int) -> int:
    with app.app_context():
        return int(db.session.get(Dispense, dispense_id).compounding_record_id)


def dsp_by_rx(segments: list[Segment]) -> dict[str, Segment]:
    return {s.get(2): s for s in segments if s.tag == "DSP"}


def test_a_day_of_fills_produces_a_file_the_validator_accepts(app, rph, day):
    after(FILL_DAY)
    report, segments = generate(app, FILL_DAY)
    assert report.record_count == 3 and not report.zero_report and report.problems == []
    tags = [s.tag for s in segments]
    assert tags.count("PAT") == 3 and tags.count("DSP") == 3 and tags.count("PRE") == 3
    assert [s.get(1) for s in segments if s.tag == "DSP"] == ["00", "00", "00"]


def test_ketamine_compound_is_reported_as_a_compound_with_one_cdi_per_controlled_ingredient(
        app, rph, day):
    after(FILL_DAY)
    _, segments = generate(app, FILL_DAY)
    cream = next(i for i, s in enumerate(segments) if s.tag == "DSP" and s.get(7) == "06")
    dsp, cdi = segments[cream], [s for s in segments[cream:] if s.tag == "CDI"]
    assert (dsp.get(8), dsp.get(9), dsp.get(11)) == ("99999", "30", "03")
    assert len(cdi) == 1  # the ketamine, not the propylene glycol or the cream base
    assert cdi[0].elements[:6] == ["1", "01", KETAMINE_POWDER_NDC,
                                   "Ketamine hydrochloride USP powder", "3", "03"]


def test_partial_fill_is_flagged_in_dsp13_with_refill_number_zero(app, rph, day):
    after(FILL_DAY)
    _, segments = generate(app, FILL_DAY)
    zolpidem = next(s for s in segments if s.tag == "DSP" and s.get(8) == "00093007401")
    assert (zolpidem.get(6), zolpidem.get(13), zolpidem.get(9)) == ("0", "01", "10")


def test_dsp06_and_dsp13_follow_the_dispenses_place_in_its_fill(app, rph, day):
    """A whole fill in one dispense is 00; the second partial of the original fill is 02
    with refill number 0; refill 1 of the cream, dispensed whole, is 1 / 00."""
    after(FILL_DAY)
    generate(app, FILL_DAY)
    clock.freeze(at(NEXT_DAY, 11))
    fill(rph, day.zolpidem_rx, 10, 10, ndc="0093-0074-01", lot_number="ZP100")
    fill(rph, day.cream_rx, 30, 30, compounding_record_id=batch_of(app, day.cream),
         override_refill_too_soon={"reason": "the patient is travelling for surgery"})
    after(NEXT_DAY)
    _, segments = generate(app, NEXT_DAY)
    dsp = dsp_by_rx(segments)
    assert (dsp[f"RX{day.zolpidem_rx:07d}"].get(6), dsp[f"RX{day.zolpidem_rx:07d}"].get(13)) \
        == ("0", "02")
    assert (dsp[f"RX{day.cream_rx:07d}"].get(6), dsp[f"RX{day.cream_rx:07d}"].get(13)) == (
        "1", "00")


def test_a_whole_fill_in_one_dispense_is_not_a_partial(app, rph, day):
    after(FILL_DAY)
    _, segments = generate(app, FILL_DAY)
    gabapentin = next(s for s in segments if s.tag == "DSP" and s.get(8) == "65162010210")
    assert (gabapentin.get(6), gabapentin.get(13), gabapentin.get(9)) == ("0", "00", "90")


def test_gabapentin_is_reported_in_tennessee_where_the_state_schedules_it(app, rph, day):
    after(FILL_DAY)
    _, segments = generate(app, FILL_DAY)
    ndcs = {s.get(8) for s in segments if s.tag == "DSP"}
    assert "65162010210" in ndcs
    assert not any(ndc.startswith("00603") for ndc in ndcs)  # amitriptyline: not controlled


def test_a_day_report_never_reads_the_fills_of_a_drug_no_state_reports(app, rph, day):
    after(FILL_DAY)
    read: list[int] = []

    def loaded(dispense: Dispense, _: Any) -> None:
        read.append(dispense.id)

    sa.event.listen(Dispense, "load", loaded)
    try:
        generate(app, FILL_DAY)
    finally:
        sa.event.remove(Dispense, "load", loaded)
    assert {day.cream, day.zolpidem_partial, day.gabapentin} <= set(read)
    assert day.amitriptyline not in read


def test_lien_dispense_reports_the_profiles_payment_code_and_the_prescription_facts(
        app, rph, day):
    after(FILL_DAY)
    _, segments = generate(app, FILL_DAY)
    gabapentin = next(s for s in segments if s.tag == "DSP" and s.get(8) == "65162010210")
    assert gabapentin.get(16) == "99"
    assert gabapentin.get(12) == "01"  # a written prescription
    assert (gabapentin.get(3), gabapentin.get(4), gabapentin.get(5)) == (
        "20261118", "1", "20261118")
    assert gabapentin.get(15).startswith("TN-RPH-")  # the dispensing pharmacist's licence
    patient = segments[segments.index(gabapentin) - 1]
    assert patient.tag == "PAT"
    assert (patient.get(12), patient.get(14), patient.get(15), patient.get(16)) == (
        "77 Pine Rd", "Knoxville", "TN", "379021234")


def test_pat19_reports_the_patients_sex_from_the_clinical_profile(app, rph, day):
    after(FILL_DAY)
    _, segments = generate(app, FILL_DAY)
    sexes = {s.get(7): s.get(19) for s in segments if s.tag == "PAT"}
    # female → F, male → M, not recorded → U (amitriptyline, "unknown", is not reported)
    assert sexes == {"RiveraCream": "F", "RiveraZolpidem": "M", "RiveraGabapentin": "U"}


def test_generating_again_for_a_date_reports_only_what_no_earlier_report_carried(
        app, rph, day):
    after(FILL_DAY)
    first, _ = generate(app, FILL_DAY)
    second, segments = generate(app, FILL_DAY)
    assert first.record_count == 3
    assert second.zero_report and second.record_count == 0
    with app.app_context():
        assert services.get_report(first.id).status == "generated"


def test_reversal_of_a_reported_dispense_is_reported_as_a_void_the_day_it_is_recorded(
        app, rph, day):
    after(FILL_DAY)
    generate(app, FILL_DAY)
    clock.freeze(at(NEXT_DAY, 10))
    assert rph.post(f"/api/v1/dispenses/{day.zolpidem_partial}/reverse",
                    json={"reason": "never picked up", "disposition": "return_to_stock"}
                    ).status_code == 200
    after(NEXT_DAY)
    report, segments = generate(app, NEXT_DAY)
    assert report.record_count == 1
    void = dsp_by_rx(segments)[f"RX{day.zolpidem_rx:07d}"]
    assert void.get(1) == "02"
    assert (void.get(5), void.get(6), void.get(13)) == ("20261118", "0", "01")
    again, _ = generate(app, NEXT_DAY)
    assert again.zero_report  # a void is reported once


def test_a_dispense_reversed_before_it_was_reported_is_never_reported(app, rph, day):
    assert rph.post(f"/api/v1/dispenses/{day.zolpidem_partial}/reverse",
                    json={"reason": "entered in error", "disposition": "return_to_stock"}
                    ).status_code == 200
    after(FILL_DAY)
    report, segments = generate(app, FILL_DAY)
    assert report.record_count == 2
    assert f"RX{day.zolpidem_rx:07d}" not in dsp_by_rx(segments)


def test_a_day_with_nothing_to_report_yields_a_zero_report(app):
    after(FILL_DAY)
    report, segments = generate(app, FILL_DAY)
    assert report.zero_report and report.record_count == 0
    patient = next(s for s in segments if s.tag == "PAT")
    dsp = next(s for s in segments if s.tag == "DSP")
    assert (patient.get(7), patient.get(8), dsp.get(5)) == ("REPORT", "ZERO", "20261118")


def test_a_dispense_recorded_after_the_report_date_waits_for_its_own_report(
        app, rph, day):
    after(FILL_DAY)
    report, _ = generate(app, FILL_DAY - timedelta(days=1))
    assert report.zero_report


def test_rejected_report_records_go_out_again_in_the_next_report(app, rph, day, api_as):
    after(FILL_DAY)
    first, _ = generate(app, FILL_DAY)
    assert rph.post(f"/api/v1/pdmp/reports/{first.id}/submission",
                    json={"method": "upload"}).status_code == 200
    assert rph.post(f"/api/v1/pdmp/reports/{first.id}/result",
                    json={"accepted": False, "errors": "E101 bad file"}).status_code == 200
    again, segments = generate(app, FILL_DAY)
    assert again.record_count == 3
    assert all(s.get(1) == "00" for s in segments if s.tag == "DSP")


def test_dsp14_stays_empty_because_staff_accounts_record_no_npi(app, rph, day):
    after(FILL_DAY)
    _, segments = generate(app, FILL_DAY)
    assert {(s.get(14), s.get(15)[:7]) for s in segments if s.tag == "DSP"} == {("", "TN-RPH-")}


def unschedule_the_formula_ingredients(app: Any) -> None:
    """As a formula version that did not mark its controlled ingredient would be."""
    with app.app_context():
        db.session.execute(sa.update(FormulationIngredient).values(dea_schedule=None))
        db.session.commit()


def test_a_compound_ingredient_from_a_controlled_inventory_lot_gets_its_cdi(app, rph, day):
    unschedule_the_formula_ingredients(app)  # the batch's lot was received: that says it
    after(FILL_DAY)
    report, segments = generate(app, FILL_DAY)
    assert report.problems == []
    assert [s.get(3) for s in segments if s.tag == "CDI"] == [KETAMINE_POWDER_NDC]


def test_a_compound_with_no_controlled_ingredient_on_record_is_listed_not_guessed(app, rph,
                                                                                 day):
    unschedule_the_formula_ingredients(app)
    with app.app_context():  # as a batch recorded before its lot was received would be
        db.session.execute(sa.update(InventoryLot).values(lot_number="NOT-THE-BATCHS"))
        db.session.commit()
    after(FILL_DAY)
    report, _ = generate(app, FILL_DAY)
    assert [(p["dispense_id"], p["problem"]) for p in report.problems] == [
        (day.cream, "compound has no controlled ingredient to report")]
