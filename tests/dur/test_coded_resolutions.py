"""SPEC §7.3: a DUR resolution is coded as NCPDP does (reason, professional service, result),
a prescriber consultation records who and when, and a high alert is never cleared by a note
alone; the codes are shown in words."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest

from lienrx.core import clock
from lienrx.extensions import db
from tests.dispensing.conftest import counter as counter_fixture
from tests.dispensing.conftest import gabapentin_fill
from tests.formulary.factories import (
    GABAPENTIN_300_NDC,
    load_products,
    prescription,
    receive_ndc_lot,
)
from tests.staff.conftest import sign_in

counter = counter_fixture
CODED = {"reason": "TD", "professional_service": "R0", "result": "1B"}


@pytest.fixture
def duplicate(app, counter):
    """Pregabalin beside the counter's gabapentin: a high duplicate-therapy alert on both."""
    with app.app_context():
        load_products("PREG-CAP-75")
        prescription(counter.case_id, counter.prescriber_id, "PREG-CAP-75",
                     quantity=Decimal(60), days_supply=30)
        db.session.commit()
    return counter


def open_alerts(rph, counter):
    response = rph.post("/api/v1/dispenses", json=gabapentin_fill(counter))
    assert response.status_code == 409 and response.json["code"] == "dur_unresolved"
    return response.json["alerts"]


def dispenses_of(rph, counter):
    return rph.get(f"/api/v1/prescriptions/{counter.gabapentin_rx}").json["fills_dispensed"]


def test_high_alert_cannot_be_resolved_by_a_note_alone(api_as, duplicate):
    rph = api_as("pharmacist")
    (alert,) = open_alerts(rph, duplicate)
    for note in ({"resolution": "ok per MD"}, {"note": "ok per MD"}):
        response = rph.post("/api/v1/dispenses", json=gabapentin_fill(
            duplicate, dur_resolutions=[{"alert_id": alert["id"], **note}]))
        assert response.status_code == 422
        assert "note alone" in response.json["errors"]["dur_resolutions"]["0"]["reason"][0]
    assert dispenses_of(rph, duplicate) == 0
    shown = rph.get(f"/api/v1/prescriptions/{duplicate.gabapentin_rx}").json["dur_alerts"]
    assert shown[0]["status"] == "open"


def test_high_alert_resolved_with_the_codes_dispenses(api_as, duplicate):
    rph = api_as("pharmacist")
    (alert,) = open_alerts(rph, duplicate)
    response = rph.post("/api/v1/dispenses", json=gabapentin_fill(
        duplicate, dur_resolutions=[{"alert_id": alert["id"], **CODED}]))
    assert response.status_code == 201, response.json
    (reviewed,) = response.json["dur_alerts"]
    assert (reviewed["reason"], reviewed["professional_service"], reviewed["result"]) == (
        "TD", "R0", "1B")
    assert reviewed["resolution_in_words"] == (
        "Therapeutic duplication (TD). Pharmacist reviewed (R0): filled as is (1B).")


def test_prescriber_consulted_resolution_records_who_and_when(api_as, duplicate):
    rph = api_as("pharmacist")
    (alert,) = open_alerts(rph, duplicate)
    consulted = {"alert_id": alert["id"], "reason": "TD", "professional_service": "M0",
                 "result": "1G", "note": "Cross-taper over 2 weeks"}
    response = rph.post("/api/v1/dispenses", json=gabapentin_fill(
        duplicate, dur_resolutions=[consulted]))
    assert response.status_code == 422
    assert "who was contacted and when" in \
        response.json["errors"]["dur_resolutions"]["0"]["contacted"][0]
    at = (clock.utcnow() - timedelta(minutes=20)).replace(microsecond=0)
    consulted["contacted"] = {"name": "Dr. Morgan Pain", "at": at.isoformat()}
    response = rph.post("/api/v1/dispenses", json=gabapentin_fill(
        duplicate, dur_resolutions=[consulted]))
    assert response.status_code == 201, response.json
    shown = rph.get(f"/api/v1/prescriptions/{duplicate.gabapentin_rx}").json["dur_alerts"][0]
    assert shown["contacted"]["name"] == "Dr. Morgan Pain"
    assert shown["contacted"]["at"].startswith(at.strftime("%Y-%m-%dT%H:%M"))
    local = at.astimezone(clock.timezone()).strftime("%Y-%m-%d %H:%M")
    assert ("Prescriber consulted (M0): filled with prescriber approval (1G) — "
            f"Dr. Morgan Pain, {local}") in shown["resolution_in_words"]
    assert shown["note"] == shown["resolution"] == "Cross-taper over 2 weeks"


def test_a_contact_time_still_to_come_is_refused(api_as, duplicate):
    rph = api_as("pharmacist")
    (alert,) = open_alerts(rph, duplicate)
    later = (clock.utcnow() + timedelta(hours=2)).isoformat()
    response = rph.post("/api/v1/dispenses", json=gabapentin_fill(duplicate, dur_resolutions=[
        {"alert_id": alert["id"], "reason": "TD", "professional_service": "M0", "result": "1G",
         "contacted": {"name": "Dr. Pain", "at": later}}]))
    assert response.status_code == 422
    assert response.json["errors"]["dur_resolutions"]["0"]["contacted"]["at"]


@pytest.mark.parametrize(("sent", "field"), [
    ({"reason": "TD"}, "professional_service"),
    ({"reason": "XX", "professional_service": "R0", "result": "1B"}, "reason"),
    ({"reason": "TD", "professional_service": "Z9", "result": "1B"}, "professional_service"),
    ({"reason": "TD", "professional_service": "R0", "result": "9Z"}, "result"),
    ({"reason": "TD", "professional_service": "R0", "result": "2A"}, "result"),
    ({}, "note"),
])
def test_a_bad_coded_resolution_is_422_naming_the_field(api_as, duplicate, sent, field):
    rph = api_as("pharmacist")
    (alert,) = open_alerts(rph, duplicate)
    response = rph.post("/api/v1/dispenses", json=gabapentin_fill(
        duplicate, dur_resolutions=[{"alert_id": alert["id"], **sent}]))
    assert response.status_code == 422, response.json
    assert field in response.json["errors"]["dur_resolutions"]["0"]
    assert dispenses_of(rph, duplicate) == 0


def test_older_clients_resolution_text_resolves_a_moderate_alert_as_its_note(api_as, app,
                                                                             world):
    with app.app_context():
        load_products("ZOLP-TAB-5", "TRAZ-TAB-50")
        prescription(world.case_id, world.prescriber_id, "TRAZ-TAB-50")
        zolpidem = prescription(world.case_id, world.prescriber_id, "ZOLP-TAB-5")
        db.session.commit()
        rx_id = zolpidem.id
    rph = api_as("pharmacist")
    (alert,) = rph.get(f"/api/v1/prescriptions/{rx_id}").json["dur_alerts"]
    assert alert["severity"] == "moderate"
    response = rph.post(f"/api/v1/dur-alerts/{alert['id']}/resolve",
                        json={"resolution": "Trazodone stopped last week"})
    assert response.status_code == 200, response.json
    assert response.json["note"] == "Trazodone stopped last week"
    assert response.json["reason"] is None
    assert response.json["resolution_in_words"] == "Trazodone stopped last week"


def test_the_resolve_endpoint_takes_the_codes_and_refuses_a_note_alone_on_a_high_alert(
        api_as, duplicate):
    rph = api_as("pharmacist")
    (alert,) = open_alerts(rph, duplicate)
    path = f"/api/v1/dur-alerts/{alert['id']}/resolve"
    response = rph.post(path, json={"note": "fine"})
    assert response.status_code == 422 and "reason" in response.json["errors"]
    response = rph.post(path, json={"reason": "TD", "professional_service": "P0",
                                     "result": "1A"})
    assert response.status_code == 200
    assert response.json["resolution_in_words"] == (
        "Therapeutic duplication (TD). Patient consulted (P0): filled, false positive (1A).")


def test_the_dispense_page_takes_the_codes_and_shows_them_in_words(app, duplicate):
    rph = sign_in(app, "pharmacist")
    with app.app_context():
        receive_ndc_lot(GABAPENTIN_300_NDC, "GB-CR1")  # Schedule V in TN: drawn from a lot
        db.session.commit()
    path = f"/staff/prescriptions/{duplicate.gabapentin_rx}/dispense"
    fill = {"quantity": "90", "days_supply": "30", "ndc": GABAPENTIN_300_NDC,
            "lot_number": "GB-CR1", "medguide_provided": "on"}
    page = rph.post(path, data=fill)
    assert page.status_code == 409
    html = page.get_data(as_text=True)
    assert 'name="dur_resolutions.0.professional_service"' in html
    assert "Prescriber consulted (M0)" in html and "Therapeutic duplication (TD)" in html
    alert_id = re.search(r'name="dur_resolutions\.0\.alert_id" value="(\d+)"', html).group(1)
    row = {"dur_resolutions.0.alert_id": alert_id, "dur_resolutions.0.note": "per MD"}
    page = rph.post(path, data={**fill, **row})
    assert page.status_code == 422
    error = re.search(r'id="f-dur_resolutions-0-reason-error">([^<]*)<',
                      page.get_data(as_text=True))
    assert error and "a note alone is not enough" in error.group(1)
    moment = (clock.utcnow() - timedelta(minutes=5)).astimezone(clock.timezone())
    row.update({"dur_resolutions.0.reason": "TD", "dur_resolutions.0.professional_service": "M0",
                "dur_resolutions.0.result": "1G",
                "dur_resolutions.0.contacted.name": "Dr. Pain",
                "dur_resolutions.0.contacted.at": moment.strftime("%Y-%m-%dT%H:%M")})
    done = rph.post(path, data={**fill, **row})
    assert done.status_code == 302, done.get_data(as_text=True)
    words = (f"Prescriber consulted (M0): filled with prescriber approval (1G) — Dr. Pain, "
             f"{moment.strftime('%Y-%m-%d %H:%M')}")
    assert words in rph.get(done.headers["Location"]).get_data(as_text=True)
    prescription_page = rph.get(f"/staff/prescriptions/{duplicate.gabapentin_rx}")
    assert words in prescription_page.get_data(as_text=True)
