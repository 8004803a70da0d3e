"""The ASAP 4.2 writer on its own, checked by the independent validator."""

from __future__ import annotations

import time
from datetime import date, datetime
from decimal import Decimal

from lienrx.pdmp import asap
from tests.pdmp.asap_validator import assert_valid, parse, validate

HEADER = asap.Header(version="4.2", control_number="CN0001",
                     created_at=datetime(2026, 11, 18, 19),
                     source_id="AP5836727", source_name="Test Pharmacy")
PHARMACY = asap.Pharmacy(npi="1003000126", dea="AP5836727", name="Test Pharmacy",
                         address="100 Main St", city="Nashville", state="TN", zip="37203")
PRESCRIBER = asap.Prescriber(npi="1234567893", dea="AP5836727", last_name="Pain",
                             first_name="Morgan")


def patient(n: int = 0, **fields: str) -> asap.Patient:
    values = {"last_name": f"Rivera{n}", "first_name": "Jordan", "address": "12 Oak St",
              "city": "Nashville", "state": "TN", "zip": "37203", **fields}
    return asap.Patient(date_of_birth=date(1985, 3, 14), sex="U", **values)


def dispensing(n: int = 0, **fields: object) -> asap.Dispensing:
    values: dict[str, object] = {
        "status": "00", "rx_number": f"RX{n:07d}", "written_on": date(2026, 11, 1),
        "refills_authorized": 1, "filled_on": date(2026, 11, 18), "refill_number": 0,
        "product_qualifier": "01", "product_id": "00093007401", "quantity": Decimal("30.000"),
        "days_supply": 30, "unit_code": "01", "origin_code": "01", "partial_fill": "00",
        "payment_type": "99", "patient": patient(n), "prescriber": PRESCRIBER, **fields}
    return asap.Dispensing(**values)  # type: ignore[arg-type]


def test_control_number_and_counts_follow_the_standard():
    text = asap.write(HEADER, PHARMACY, [dispensing(1), dispensing(2)])
    segments = assert_valid(text)
    tags = [s.tag for s in segments]
    assert tags == ["TH", "IS", "PHA", "PAT", "DSP", "PRE", "PAT", "DSP", "PRE", "TP", "TT"]
    assert segments[-2].get(1) == "8"  # PHA through TP
    assert segments[-1].elements == ["CN0001", "11"]  # TT01 = TH02, every segment
    assert text.count("~") == 12  # each segment, plus TH09 declaring the terminator


def test_dispenses_of_one_patient_share_one_pat_segment():
    same = patient(7)
    text = asap.write(HEADER, PHARMACY, [dispensing(1, patient=same), dispensing(2, patient=same)])
    assert [s.tag for s in assert_valid(text)].count("PAT") == 1


def test_free_text_delimiters_are_replaced_so_a_name_cannot_break_the_file():
    text = asap.write(HEADER, PHARMACY, [dispensing(1, patient=patient(
        1, last_name="O*Brien~Smith", address="12 Oak St\\Unit~4\n"))])
    pat = next(s for s in assert_valid(text) if s.tag == "PAT")
    assert (pat.get(7), pat.get(12)) == ("O+Brien-Smith", "12 Oak St|Unit-4")


def test_air_segment_follows_each_dispensing_record_when_the_profile_requires_it():
    record = dispensing(1, additional=asap.Additional("Smith", "Pat"))
    segments = assert_valid(asap.write(HEADER, PHARMACY, [record], with_air=True))
    air = next(s for s in segments if s.tag == "AIR")
    assert (air.get(9), air.get(10)) == ("Smith", "Pat")


def test_zero_report_names_report_zero_and_the_report_date():
    segments = assert_valid(asap.zero_report(HEADER, PHARMACY, date(2026, 11, 18)))
    assert [s.tag for s in segments] == ["TH", "IS", "PHA", "PAT", "DSP", "PRE", "TP", "TT"]
    assert segments[3].get(7) == "REPORT" and segments[3].get(8) == "ZERO"
    assert segments[4].get(5) == "20261118"
    assert segments[-2].get(1) == "5" and segments[-1].get(2) == "8"


def test_a_day_of_one_thousand_dispenses_is_a_valid_file():
    records = [dispensing(n) for n in range(1000)]
    started = time.perf_counter()
    text = asap.write(HEADER, PHARMACY, records)
    elapsed = time.perf_counter() - started
    segments = assert_valid(text)
    assert len(segments) == 3 + 3 * 1000 + 2
    assert segments[-1].get(2) == str(len(segments))
    assert elapsed < 2, f"writing 1,000 records took {elapsed:.2f}s"


def test_validator_refuses_a_wrong_segment_count():
    text = asap.write(HEADER, PHARMACY, [dispensing(1)]).replace("TT*CN0001*8~", "TT*CN0001*9~")
    assert any("TT02" in p for p in validate(text))


def test_validator_refuses_a_control_number_that_differs_between_th_and_tt():
    text = asap.write(HEADER, PHARMACY, [dispensing(1)]).replace("TT*CN0001", "TT*CN0002")
    assert any("TT01" in p for p in validate(text))


def test_validator_refuses_a_missing_mandatory_field_and_a_broken_hierarchy():
    text = asap.write(HEADER, PHARMACY, [dispensing(1, product_id="123")])
    assert any("DSP08" in p for p in validate(text))
    no_pre = "".join(line + "\n" for line in text.splitlines() if not line.startswith("PRE"))
    assert any("expected PRE" in p for p in validate(no_pre))


def test_validator_refuses_a_compound_without_cdi_segments():
    text = asap.write(HEADER, PHARMACY, [dispensing(1, product_qualifier="06",
                                                    product_id="99999")])
    assert any("without CDI" in p for p in validate(text))


def test_validator_splits_on_the_terminator_declared_in_th09():
    text = asap.write(HEADER, PHARMACY, [dispensing(1)]).replace("\n", "")
    assert [s.tag for s in parse(text)][:3] == ["TH", "IS", "PHA"]
    assert validate(text) == []
