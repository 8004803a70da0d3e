"""Corrections reach the state as revisions (DSP01 01); late entries go out with their true
fill date and are marked on the report (SPEC §7.1, §7.6)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from lienrx.core import clock
from lienrx.extensions import db
from lienrx.pdmp import profiles, services
from tests.pdmp.asap_validator import Segment, assert_valid
from tests.pdmp.conftest import FILL_DAY, NEXT_DAY, after, at, fill
from tests.staff.conftest import sign_in

NEW_ADDRESS = "400 Cedar Ln, Chattanooga, TN 37402"


def generate(app: Any, day: Any) -> tuple[Any, list[Segment]]:
    with app.app_context():
        report = services.generate(None, report_date=day)
        db.session.commit()
        return report, assert_valid(report.content)


def patch_patient(rph: Any, patient_id: int, **changes: Any) -> None:
    response = rph.client.patch(f"/api/v1/patients/{patient_id}", json=changes,
                                headers={"Authorization": f"Bearer {rph.token}"})
    assert response.status_code == 200, response.json


def test_a_reported_record_whose_patient_address_changed_is_resent_as_a_revision(app, rph,
                                                                                 day):
    after(FILL_DAY)
    generate(app, FILL_DAY)
    clock.freeze(at(NEXT_DAY, 10))
    patch_patient(rph, day.patient_ids["gabapentin"], address=NEW_ADDRESS)
    after(NEXT_DAY)
    report, segments = generate(app, NEXT_DAY)
    assert report.record_count == 1
    dsp = next(s for s in segments if s.tag == "DSP")
    patient = next(s for s in segments if s.tag == "PAT")
    assert (dsp.get(1), dsp.get(5), dsp.get(6), dsp.get(13)) == ("01", "20261118", "0", "00")
    assert (patient.get(12), patient.get(14), patient.get(16)) == (
        "400 Cedar Ln", "Chattanooga", "37402")
    assert [(r.dispense_id, r.record_status) for r in report.records] == [(day.gabapentin, "01")]


def test_an_unchanged_reported_record_is_not_revised(app, rph, day):
    after(FILL_DAY)
    generate(app, FILL_DAY)
    clock.freeze(at(NEXT_DAY, 10))
    patch_patient(rph, day.patient_ids["gabapentin"], address=NEW_ADDRESS)
    after(NEXT_DAY)
    generate(app, NEXT_DAY)
    again, _ = generate(app, NEXT_DAY)
    assert again.zero_report  # the revision went once; nothing changed since


def test_a_change_that_does_not_reach_the_file_is_no_revision(app, rph, day):
    after(FILL_DAY)
    generate(app, FILL_DAY)
    clock.freeze(at(NEXT_DAY, 10))
    patch_patient(rph, day.patient_ids["gabapentin"], weight_kg="81.5")
    after(NEXT_DAY)
    report, _ = generate(app, NEXT_DAY)
    assert report.zero_report


def test_a_revision_in_a_rejected_report_is_sent_again(app, rph, day):
    after(FILL_DAY)
    generate(app, FILL_DAY)
    clock.freeze(at(NEXT_DAY, 10))
    patch_patient(rph, day.patient_ids["gabapentin"], address=NEW_ADDRESS)
    after(NEXT_DAY)
    revised, _ = generate(app, NEXT_DAY)
    rph.post(f"/api/v1/pdmp/reports/{revised.id}/submission", json={"method": "upload"})
    rph.post(f"/api/v1/pdmp/reports/{revised.id}/result",
             json={"accepted": False, "errors": "PAT16 ZIP not found"})
    again, segments = generate(app, NEXT_DAY)
    assert [s.get(1) for s in segments if s.tag == "DSP"] == ["01"]


def test_a_void_after_a_revision_repeats_the_fill_it_voids(app, rph, day):
    after(FILL_DAY)
    generate(app, FILL_DAY)
    clock.freeze(at(NEXT_DAY, 10))
    patch_patient(rph, day.patient_ids["zolpidem"], address=NEW_ADDRESS)
    after(NEXT_DAY)
    generate(app, NEXT_DAY)
    clock.freeze(at(NEXT_DAY, 20))
    assert rph.post(f"/api/v1/dispenses/{day.zolpidem_partial}/reverse",
                    json={"reason": "never picked up", "disposition": "return_to_stock"}
                    ).status_code == 200
    report, segments = generate(app, NEXT_DAY)
    dsp = next(s for s in segments if s.tag == "DSP")
    assert (dsp.get(1), dsp.get(5), dsp.get(13)) == ("02", "20261118", "01")


def test_a_revision_that_can_no_longer_be_built_is_listed_and_a_zero_report_still_goes(
        app, rph, day):
    after(FILL_DAY)
    generate(app, FILL_DAY)
    clock.freeze(at(NEXT_DAY, 10))
    patch_patient(rph, day.patient_ids["gabapentin"], address="somewhere in Knoxville")
    after(NEXT_DAY)
    report, _ = generate(app, NEXT_DAY)
    assert report.zero_report  # nothing new was dispensed: the day's zero report is true
    assert report.problems == [{
        "dispense_id": day.gabapentin, "rx_number": report.problems[0]["rx_number"],
        "record_status": "01",
        "problem": "changed since it was reported, but cannot be sent as a revision: patient "
                   "address missing or not in 'street, city, ST ZIP' form"}]


def late_zolpidem(rph: Any, day: Any) -> int:
    """On NEXT_DAY the pharmacist enters the rest of the zolpidem fill, handed out on
    FILL_DAY: a late entry."""
    clock.freeze(at(NEXT_DAY, 9))
    return fill(rph, day.zolpidem_rx, 20, 20, ndc="0093-0074-01", lot_number="ZP100",
                dispensed_on=FILL_DAY.isoformat(),
                late_entry_reason="the system was down at the counter")


def test_a_late_entry_goes_in_the_next_report_with_its_true_fill_date(app, rph, day):
    after(FILL_DAY)
    first, _ = generate(app, FILL_DAY)
    late = late_zolpidem(rph, day)
    after(NEXT_DAY)
    report, segments = generate(app, NEXT_DAY)
    dsp = next(s for s in segments if s.tag == "DSP")
    assert (dsp.get(1), dsp.get(5), dsp.get(13)) == ("00", "20261118", "02")
    assert [(r.dispense_id, r.filled_on.isoformat(), r.late_entry) for r in report.records] \
        == [(late, "2026-11-18", True)]
    assert not any(r.late_entry for r in first.records)


def test_the_report_page_marks_late_entries_and_lists_its_records(app, rph, day):
    late = late_zolpidem(rph, day)
    after(NEXT_DAY)
    report, _ = generate(app, NEXT_DAY)
    page = sign_in(app, "pharmacist").get(f"/staff/pdmp/{report.id}").get_data(as_text=True)
    late_list = page[page.index('id="late-entries"'):page.index("</ul>",
                                                                 page.index('id="late-entries"'))]
    assert f"(dispense {late}): filled 2026-11-18, late entry" in late_list
    assert f"(dispense {day.gabapentin})" not in late_list
    assert page.count("<strong>late entry</strong>") == 1
    assert "ASAP 4.2 layout has no element that marks a late entry" in page


def test_the_api_lists_each_reports_records_with_the_late_entry_mark(app, rph, day):
    late = late_zolpidem(rph, day)
    after(NEXT_DAY)
    made = rph.post("/api/v1/pdmp/reports", json={"report_date": NEXT_DAY.isoformat()})
    assert made.status_code == 201
    records = {r["dispense_id"]: r for r in made.json["records"]}
    assert records[late] == {"dispense_id": late, "rx_number": f"RX{day.zolpidem_rx:07d}",
                             "record_status": "00", "filled_on": "2026-11-18",
                             "refill_number": 0, "partial_fill": "02", "late_entry": True}
    assert records[day.gabapentin]["late_entry"] is False


def test_a_record_filled_before_the_revision_window_is_not_rechecked(app, rph, day,
                                                                      monkeypatch):
    after(FILL_DAY)
    generate(app, FILL_DAY)
    monkeypatch.setitem(profiles.PROFILES, "TN",
                        replace(profiles.PROFILES["TN"], revision_window_days=0))
    clock.freeze(at(NEXT_DAY, 10))
    patch_patient(rph, day.patient_ids["gabapentin"], address=NEW_ADDRESS)
    after(NEXT_DAY)
    report, _ = generate(app, NEXT_DAY)
    assert report.zero_report  # filled the day before: outside a zero-day window
