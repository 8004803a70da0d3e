"""SPEC §4.6: DUR runs again at dispense; unresolved high-severity alerts refuse the fill."""

import pytest

from lienrx.core import clock
from lienrx.extensions import db
from tests.dispensing.conftest import gabapentin_fill
from tests.formulary.factories import load_products, prescription


@pytest.fixture
def with_pregabalin(app, counter):
    """Pregabalin prescribed on top of gabapentin: duplicate gabapentinoid therapy."""
    with app.app_context():
        load_products("PREG-CAP-75")
        prescription(counter.case_id, counter.prescriber_id, "PREG-CAP-75",
                     quantity=60, days_supply=30, refills_authorized=0)
        db.session.commit()
    return counter


def test_dur_unresolved_lists_the_open_alerts(api_as, with_pregabalin):
    rph = api_as("pharmacist")
    response = rph.post("/api/v1/dispenses", json=gabapentin_fill(with_pregabalin))
    assert response.status_code == 409
    assert response.json["code"] == "dur_unresolved"
    alerts = response.json["alerts"]
    assert alerts and all(a["severity"] == "high" for a in alerts)
    assert set(alerts[0]) == {"id", "kind", "severity", "message"}


def test_alert_ids_are_stable_across_refusals(api_as, with_pregabalin):
    rph = api_as("pharmacist")
    first = rph.post("/api/v1/dispenses", json=gabapentin_fill(with_pregabalin)).json
    second = rph.post("/api/v1/dispenses", json=gabapentin_fill(with_pregabalin)).json
    assert [a["id"] for a in first["alerts"]] == [a["id"] for a in second["alerts"]]


def test_resend_with_resolutions_dispenses_and_records_them(api_as, with_pregabalin):
    rph = api_as("pharmacist")
    alerts = rph.post("/api/v1/dispenses", json=gabapentin_fill(with_pregabalin)).json["alerts"]
    resolutions = [{"alert_id": a["id"], "reason": "TD", "professional_service": "M0",
                    "result": "1G", "contacted": {"name": "Dr. Pain",
                                                  "at": clock.utcnow().isoformat()},
                    "resolution": "Prescriber tapering gabapentin; confirmed by phone"}
                   for a in alerts]
    response = rph.post("/api/v1/dispenses",
                        json=gabapentin_fill(with_pregabalin, dur_resolutions=resolutions))
    assert response.status_code == 201, response.json
    reviewed = {a["id"]: a for a in response.json["dur_alerts"]}
    for alert in alerts:
        assert reviewed[alert["id"]]["status"] == "resolved"
        assert reviewed[alert["id"]]["resolution"].startswith("Prescriber tapering")


def test_resolution_for_another_prescriptions_alert_422(api_as, with_pregabalin):
    rph = api_as("pharmacist")
    response = rph.post("/api/v1/dispenses", json=gabapentin_fill(
        with_pregabalin, dur_resolutions=[{"alert_id": 999999, "resolution": "x"}]))
    assert response.status_code == 422
    assert "dur_resolutions" in response.json["errors"]
