"""DUR at prescription entry: stable alert ids, resolutions by pharmacists only."""

from __future__ import annotations

from decimal import Decimal

from lienrx.dur import services as dur
from lienrx.dur.engine import Medication
from lienrx.extensions import db
from lienrx.prescribing import services as prescribing
from tests import factories
from tests.formulary.factories import INDICATION, load_products, prescription


def enter(client, world, product_id, **fields):
    body = {"case_id": world.case_id, "prescriber_id": world.prescriber_id,
            "product_id": product_id, "sig": "As directed", "quantity": 60, "days_supply": 30,
            "written_on": "2026-11-01", "diagnosis_codes": ["G90.511"],
            "indication": INDICATION, **fields}
    response = client.post("/api/v1/prescriptions", json=body)
    assert response.status_code == 201, response.json
    return response.json


def test_dur_runs_at_entry_and_returns_alerts_with_ids_and_severity(world, seeded, tech):
    enter(tech, world, seeded["GABA-CAP-300"])
    pregabalin = enter(tech, world, seeded["PREG-CAP-75"])
    (alert,) = pregabalin["dur_alerts"]
    assert alert["kind"] == "duplicate_therapy" and alert["severity"] == "high"
    assert isinstance(alert["id"], int) and "Gabapentin" in alert["message"]
    assert alert["status"] == "open"


def test_the_same_alert_computed_again_keeps_its_id(ctx, world):
    load_products("GABA-CAP-300", "PREG-CAP-75")
    prescription(world.case_id, world.prescriber_id, "GABA-CAP-300")
    rx = prescription(world.case_id, world.prescriber_id, "PREG-CAP-75", evaluate=False)
    first = dur.evaluate(rx, None)
    db.session.commit()
    again = dur.evaluate(prescribing.get_prescription(rx.id), None)
    assert [a.id for a in again] == [a.id for a in first] and len(first) == 1
    assert len(dur.alerts_for(rx.id)) == 1


CODED = {"reason": "TD", "professional_service": "R0", "result": "1B"}


def test_pharmacist_resolves_an_alert_with_a_reason(world, seeded, tech, pharmacist):
    enter(tech, world, seeded["GABA-CAP-300"])
    rx = enter(tech, world, seeded["PREG-CAP-75"])
    alert_id = rx["dur_alerts"][0]["id"]
    path = f"/api/v1/dur-alerts/{alert_id}/resolve"
    assert tech.post(path, json={**CODED, "note": "ok"}).status_code == 403
    assert pharmacist.post(path, json={"resolution": "  "}).status_code == 422
    response = pharmacist.post(path, json={**CODED,
                                           "note": "Cross-taper ordered by prescriber"})
    assert response.status_code == 200
    assert response.json["status"] == "resolved"
    assert response.json["resolved_by"] == pharmacist.user_id
    shown = tech.get(f"/api/v1/prescriptions/{rx['id']}").json["dur_alerts"]
    assert shown[0]["resolution"] == "Cross-taper ordered by prescriber"
    assert shown[0]["resolution_in_words"] == (
        "Therapeutic duplication (TD). Pharmacist reviewed (R0): filled as is (1B). "
        "Note: Cross-taper ordered by prescriber")


def test_resolving_an_unknown_alert_is_404(pharmacist):
    response = pharmacist.post("/api/v1/dur-alerts/987/resolve", json={"resolution": "x"})
    assert response.status_code == 404


def test_resolution_stays_with_the_alert_when_it_is_computed_again(ctx, world, api_as):
    load_products("GABA-CAP-300", "PREG-CAP-75")
    prescription(world.case_id, world.prescriber_id, "GABA-CAP-300")
    rx = prescription(world.case_id, world.prescriber_id, "PREG-CAP-75")
    checker = factories.user("pharmacist")
    (alert,) = dur.alerts_for(rx.id)
    dur.resolve(alert.id, checker, dur.Resolution("TD", "R0", "1B", note="reviewed"))
    assert dur.unresolved_high(dur.evaluate(rx, None)) == []


def test_cancelled_prescriptions_are_not_active_medications(ctx, world):
    load_products("GABA-CAP-300", "PREG-CAP-75")
    gabapentin = prescription(world.case_id, world.prescriber_id, "GABA-CAP-300")
    prescribing.cancel_prescription(None, gabapentin.id, "stopped")
    rx = prescription(world.case_id, world.prescriber_id, "PREG-CAP-75")
    assert dur.alerts_for(rx.id) == []


def test_registered_medication_sources_join_the_review(ctx, world):
    load_products("LDN-CAP-1.5")

    def supply(patient_id: int) -> list[Medication]:
        return [Medication(10_000, "OXY-TAB-5", "Oxycodone 5 mg tablet", "oral",
                           frozenset({"opioid"}), Decimal(30), 30, Decimal(5))]

    dur.register_medication_source(supply)
    try:
        rx = prescription(world.case_id, world.prescriber_id, "LDN-CAP-1.5")
        assert [a.rule_code for a in dur.alerts_for(rx.id)] == ["int-ldn-opioid"]
    finally:
        dur.MEDICATION_SOURCES.remove(supply)
