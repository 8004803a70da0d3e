"""Records that cannot be reported are listed, never written; state profiles as data."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from lienrx.compounding.models import IngredientLot
from lienrx.dispensing.models import Dispense
from lienrx.extensions import db
from lienrx.pdmp import profiles, records, services
from lienrx.prescribing import rules as rx_rules
from lienrx.prescribing.models import Prescription
from tests.formulary.factories import prescriber_without_dea
from tests.pdmp.asap_validator import assert_valid
from tests.pdmp.conftest import FILL_DAY, after, build_day


def generate(app, state=None):
    with app.app_context():
        report = services.generate(None, report_date=FILL_DAY, state=state)
        db.session.commit()
        assert_valid(report.content)
        return report


def test_patient_without_address_is_listed_as_a_problem_and_left_out_of_the_file(
        app, rph):
    day = build_day(app, rph, addresses={"gabapentin": None, "zolpidem": "somewhere in TN"})
    after(FILL_DAY)
    report = generate(app)
    assert report.record_count == 1  # the cream only
    assert {(p["dispense_id"], p["problem"]) for p in report.problems} == {
        (day.gabapentin, "patient address missing or not in 'street, city, ST ZIP' form"),
        (day.zolpidem_partial, "patient address missing or not in 'street, city, ST ZIP' form")}
    assert "RiveraGabapentin" not in report.content


def test_controlled_dispense_whose_prescriber_has_no_dea_number_is_listed_not_written(
        app, rph):
    day = build_day(app, rph)
    with app.app_context():  # the prescriptions' prescriber record lost its DEA number
        nodea = prescriber_without_dea()
        db.session.execute(sa.update(Prescription).where(Prescription.id.in_(
            sa.select(Dispense.prescription_id).where(Dispense.id.in_(
                (day.zolpidem_partial, day.gabapentin))))).values(prescriber_id=nodea))
        db.session.commit()
    after(FILL_DAY)
    report = generate(app)
    assert report.record_count == 1  # the cream, whose prescriber has one
    assert {p["dispense_id"]: p["problem"] for p in report.problems} == {
        day.zolpidem_partial: "prescriber has no DEA number on a controlled dispense",
        day.gabapentin: "prescriber has no DEA number on a controlled dispense"}


def test_pdmp_records_unreportable_409_rather_than_a_zero_report_that_hides_them(
        app, rph):
    day = build_day(app, rph, addresses={"cream": None, "zolpidem": None, "gabapentin": None})
    after(FILL_DAY)
    response = rph.post("/api/v1/pdmp/reports", json={"report_date": "2026-11-18"})
    assert response.status_code == 409
    assert response.json["code"] == "pdmp_records_unreportable"
    assert {p["dispense_id"] for p in response.json["problems"]} == {
        day.cream, day.zolpidem_partial, day.gabapentin}
    assert rph.get("/api/v1/pdmp/reports").json == []


def set_ketamine_lot_ndc(app, ndc):
    """Set the batch's ketamine lot NDC as a record made before NDCs were kept would have it
    (None), or as the pharmacist later corrects it."""
    with app.app_context():
        db.session.execute(sa.update(IngredientLot).where(
            IngredientLot.component == "Ketamine hydrochloride USP powder").values(ndc=ndc))
        db.session.commit()


def test_compound_ingredient_without_an_ndc_is_listed_until_its_lot_records_one(app, rph):
    day = build_day(app, rph)
    set_ketamine_lot_ndc(app, None)
    after(FILL_DAY)
    report = generate(app)
    assert report.record_count == 2
    assert report.problems == [{
        "dispense_id": day.cream, "rx_number": report.problems[0]["rx_number"],
        "problem": "compound ingredient Ketamine hydrochloride USP powder (lot L0000) has no "
                   "NDC recorded", "record_status": "00"}]


def test_a_listed_record_goes_out_in_the_next_report_once_corrected(app, rph):
    day = build_day(app, rph)
    set_ketamine_lot_ndc(app, None)
    after(FILL_DAY)
    assert generate(app).problems[0]["dispense_id"] == day.cream
    set_ketamine_lot_ndc(app, "38779046605")
    again = generate(app)
    assert again.record_count == 1 and again.problems == []
    assert "CDI*1*01*38779046605*" in again.content


def test_gabapentin_is_left_out_where_the_state_does_not_schedule_it(app, rph, monkeypatch):
    monkeypatch.setitem(app.config, "LIENRX_PHARMACY_STATE", "GA")
    build_day(app, rph, addresses={
        "cream": "1 Peach St, Atlanta, GA 30303", "zolpidem": "2 Peach St, Atlanta, GA 30303",
        "gabapentin": "3 Peach St, Atlanta, GA 30303",
        "amitriptyline": "4 Peach St, Atlanta, GA 30303"})
    after(FILL_DAY)
    report = generate(app)
    assert report.state == "GA" and report.record_count == 2
    assert "65162010210" not in report.content


def test_tennessee_profile_counts_state_scheduled_gabapentin_and_georgia_does_not():
    tn, ga = profiles.PROFILES["TN"], profiles.PROFILES["GA"]
    assert tn.in_scope(None, ["gabapentin"], rx_rules.state_rule("TN"))
    assert not ga.in_scope(None, ["gabapentin"], rx_rules.state_rule("GA"))
    assert ga.in_scope("IV", ["zolpidem"], rx_rules.state_rule("GA"))
    assert not tn.in_scope(None, ["amitriptyline"], rx_rules.state_rule("TN"))
    assert (tn.version, tn.lien_payment_code, tn.requires_air) == ("4.2", "99", False)


def test_a_drug_of_concern_is_reported_without_being_scheduled():
    concern = profiles.Profile(state="OH", drugs_of_concern=("gabapentin",))
    assert concern.in_scope(None, ["gabapentin"], rx_rules.state_rule("OH"))


def test_deadline_is_the_next_business_day():
    tn = profiles.PROFILES["TN"]
    assert tn.deadline(date(2026, 11, 18)) == date(2026, 11, 19)  # Wednesday → Thursday
    assert tn.deadline(date(2026, 11, 20)) == date(2026, 11, 23)  # Friday → Monday


def test_origin_code_follows_how_the_prescription_arrived():
    tn = profiles.PROFILES["TN"]
    assert [tn.origin_code(s) for s in ("written", "verbal", "electronic", None)] == [
        "01", "02", "05", "99"]


def test_addresses_split_into_street_city_state_and_zip():
    assert records.parse_address("12 Oak St, Apt 4, Nashville, tn 37203-1234") == \
        records.Address("12 Oak St, Apt 4", "Nashville", "TN", "372031234")
    assert records.parse_address("12 Oak St Nashville") is None
