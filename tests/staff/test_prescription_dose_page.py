"""The new-prescription page (SPEC §7.3): indication, diagnoses and a structured dose; the sig
written from the dose when left empty, a contradicting sig refused next to the field."""

from __future__ import annotations

import html

import pytest

from lienrx.core import clock
from lienrx.extensions import db
from tests import factories
from tests.formulary.factories import INDICATION, load_products
from tests.staff.conftest import text
from tests.staff.test_browser_flows import sign_in
from tests.staff.test_intake_pages import error_of


def rx_form(world, product_id, **extra):
    return {"product_id": product_id, "prescriber_id": world.prescriber_id,
            "quantity": "90", "days_supply": "30", "refills_authorized": "0",
            "written_on": clock.today().isoformat(), "diagnosis_codes": "G90.511",
            "indication": INDICATION, "dose.amount": "300", "dose.unit": "mg",
            "dose.times_per_day": "3", **extra}


def post(client, world, data):
    return client.post(f"/staff/cases/{world.case_id}/prescriptions/new", data=data)


def test_prescription_page_writes_the_sig_from_the_dose(staff, world, products):
    tech = staff("technician")
    r = post(tech, world, rx_form(world, products["GABA-CAP-300"]))
    assert r.status_code == 302, text(r)
    shown = text(tech.get(r.headers["Location"]))
    assert "Sig Take 300 mg by mouth three times daily" in shown
    assert "Dose 300 mg × 3 a day = 900 mg/day" in shown
    assert f"Indication {INDICATION}" in shown


def test_a_typed_sig_contradicting_the_dose_is_shown_next_to_the_sig(staff, world, products):
    r = post(staff("technician"), world, rx_form(
        world, products["GABA-CAP-300"], sig="Take 300 mg by mouth twice daily"))
    assert r.status_code == 422
    assert error_of(r, "sig") == (
        "The sig does not match the dose (Take 300 mg by mouth three times daily): it must "
        "give the amount (300 mg or 1 capsule) and how often (three times daily).")
    assert 'value="300"' in r.get_data(as_text=True)  # what was typed stays


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"indication": ""}, "indication", "This field is required."),
    ({"dose.unit": "mL"}, "dose-unit", "A dose of this product is given in mg, g, each, not mL."),
    ({"dose.times_per_day": ""}, "dose-times_per_day", "This field is required."),
    ({"diagnosis_codes": []}, "diagnosis_codes", "Name at least one of the case's diagnoses."),
])
def test_entry_errors_are_shown_next_to_their_fields(staff, world, products, change, field,
                                                     message):
    r = post(staff("technician"), world, {**rx_form(world, products["GABA-CAP-300"]),
                                          **change})
    assert r.status_code == 422
    assert html.unescape(error_of(r, field)) == message


@pytest.fixture
def dose_team(app):
    with app.app_context():
        factories.user("technician", email="dose-tech@x.test")
        world = factories.World.build()
        load_products("GABA-CAP-300")
        db.session.commit()
        return world


@pytest.mark.browser
def test_sig_generated_from_the_structured_dose_on_the_prescription_page(
        browser, live_server, dose_team, artifacts):
    tech = sign_in(browser, live_server, "dose-tech@x.test")
    tech.goto(f"{live_server}/staff/cases/{dose_team.case_id}/prescriptions/new")
    tech.get_by_label("Product").select_option(
        label="GABA-CAP-300 — Gabapentin 300 mg capsule (commercial, per each)")
    tech.get_by_label("Prescriber").select_option(index=1)
    tech.get_by_label("Indication").fill("Neuropathic pain of CRPS type I, right arm")
    tech.get_by_label("Dose amount").fill("300")
    tech.get_by_label("Dose unit").select_option("mg")
    tech.get_by_label("Times per day").fill("3")
    tech.get_by_label("Quantity per fill").fill("60")  # 2 a day, against the dose's 3
    tech.get_by_label("Days supply").fill("30")
    tech.get_by_label("Sig (directions)").fill("1 capsule twice daily")
    tech.get_by_role("button", name="Enter prescription and run DUR").click()
    assert "how often (three times daily)" in tech.locator("#f-sig-error").inner_text()
    tech.screenshot(path=str(artifacts / "staff-prescription-dose-refused.png"), full_page=True)
    tech.get_by_label("Sig (directions)").fill("")
    tech.get_by_role("button", name="Enter prescription and run DUR").click()
    assert tech.locator("#rx-sig").inner_text() == "Take 300 mg by mouth three times daily"
    assert tech.locator("#rx-dose").inner_text() == "300 mg × 3 a day = 900 mg/day"
    assert "quantity mismatch" in tech.locator("#dur-alerts").inner_text()
    tech.screenshot(path=str(artifacts / "staff-prescription-dose.png"), full_page=True)
