"""A dispense shipped to a patient in another state goes to that state's PDMP too, when its
profile takes shipped-in dispenses (SPEC §7.6): the state recorded on the dispense
(``delivery_state``), else, for a mail or courier fill, the state of the patient's address."""

from __future__ import annotations

from typing import Any

from lienrx.extensions import db
from lienrx.pdmp import profiles, services
from tests.pdmp.asap_validator import assert_valid
from tests.pdmp.conftest import FILL_DAY, after, build_day

KENTUCKY = "1 River Rd, Louisville, KY 40202"
MAIL = {"delivery_method": "mail"}


def generate(app: Any, state: str) -> Any:
    with app.app_context():
        report = services.generate(None, report_date=FILL_DAY, state=state)
        db.session.commit()
        assert_valid(report.content)
        return report


def reported(report: Any) -> set[int]:
    return {r.dispense_id for r in report.records}


def test_kentucky_is_seeded_as_a_state_that_takes_dispenses_shipped_to_its_residents():
    assert profiles.PROFILES["KY"].reports_shipped_in
    assert not profiles.PROFILES["TN"].reports_shipped_in
    assert not profiles.PROFILES["GA"].reports_shipped_in
    assert "assumed" in profiles.PROFILES["KY"].unconfirmed


def test_a_fill_mailed_to_a_kentucky_patient_goes_to_tennessee_and_to_kentucky(app, rph):
    day = build_day(app, rph, addresses={"zolpidem": KENTUCKY, "gabapentin": KENTUCKY},
                    deliveries={"zolpidem": MAIL,
                                "gabapentin": {"delivery_method": "courier"}})
    after(FILL_DAY)
    home = generate(app, "TN")
    kentucky = generate(app, "KY")
    assert reported(home) == {day.cream, day.zolpidem_partial, day.gabapentin}
    assert reported(kentucky) == {day.zolpidem_partial, day.gabapentin}
    assert "RiveraCream" not in kentucky.content  # picked up in Tennessee, a TN resident


def test_a_kentucky_patient_who_picked_up_in_the_pharmacy_is_not_reported_to_kentucky(app,
                                                                                      rph):
    build_day(app, rph, addresses={"zolpidem": KENTUCKY, "gabapentin": KENTUCKY})
    after(FILL_DAY)
    assert generate(app, "KY").zero_report


def test_a_state_whose_profile_does_not_take_shipped_in_dispenses_gets_none(app, rph):
    build_day(app, rph, addresses={"zolpidem": "2 Peach St, Atlanta, GA 30303"},
              deliveries={"zolpidem": MAIL})
    after(FILL_DAY)
    assert generate(app, "GA").zero_report


def test_a_fill_reported_to_the_home_state_still_goes_to_the_patients_state(app, rph):
    """What one state was told does not count as told to another."""
    day = build_day(app, rph, addresses={"zolpidem": KENTUCKY},
                    deliveries={"zolpidem": MAIL})
    after(FILL_DAY)
    generate(app, "TN")
    assert reported(generate(app, "KY")) == {day.zolpidem_partial}
    assert generate(app, "KY").zero_report  # and once only


def test_a_shipped_fill_whose_address_does_not_parse_is_listed_in_the_home_report(app, rph):
    day = build_day(app, rph, addresses={"zolpidem": "somewhere in Kentucky"},
                    deliveries={"zolpidem": MAIL})
    after(FILL_DAY)
    home = generate(app, "TN")
    assert [p["dispense_id"] for p in home.problems] == [day.zolpidem_partial]
    assert generate(app, "KY").zero_report  # where it went is unknown: not guessed


def test_the_shipped_in_state_takes_what_it_schedules_itself(app, rph):
    """Gabapentin is a Kentucky Schedule V drug: the Kentucky report carries it."""
    day = build_day(app, rph, addresses={"gabapentin": KENTUCKY},
                    deliveries={"gabapentin": MAIL})
    after(FILL_DAY)
    kentucky = generate(app, "KY")
    assert reported(kentucky) == {day.gabapentin}
    assert "65162010210" in kentucky.content


def test_a_fill_shipped_to_a_recorded_state_goes_to_that_state(app, rph):
    """A Tennessee patient's fill mailed to Kentucky (``delivery_state``) goes to Kentucky."""
    day = build_day(app, rph, deliveries={"zolpidem": {**MAIL, "delivery_state": "KY"},
                                          "gabapentin": {**MAIL, "delivery_state": "GA"}})
    after(FILL_DAY)
    assert reported(generate(app, "KY")) == {day.zolpidem_partial}
    assert reported(generate(app, "TN")) == {day.cream, day.zolpidem_partial, day.gabapentin}


def test_a_recorded_delivery_state_wins_over_the_patients_address(app, rph):
    build_day(app, rph, addresses={"zolpidem": KENTUCKY},
              deliveries={"zolpidem": {**MAIL, "delivery_state": "TN"}})
    after(FILL_DAY)
    assert generate(app, "KY").zero_report
