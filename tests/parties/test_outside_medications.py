"""Outside medications (SPEC §7.3): what the patient takes from elsewhere, encrypted at rest,
read with an audit trail, stopped on a day; DUR will count those not stopped."""

from datetime import date, timedelta

import sqlalchemy as sa

from lienrx.audit.models import AuditEvent
from lienrx.core import clock
from lienrx.extensions import db
from lienrx.parties import services
from tests import factories
from tests.parties.helpers import PATIENT, patch

OXY = {"name": "Oxycodone 5 mg tablet", "ingredient": "oxycodone", "dose_mg_per_day": 20,
       "source": "pdmp", "started_on": "2025-11-01"}


def meds_path(patient_id):
    return f"/api/v1/patients/{patient_id}/outside-medications"


def registered(api_as):
    return api_as("technician").post("/api/v1/patients", json=PATIENT).json["id"]


def test_outside_medication_recorded_and_encrypted_at_rest(api_as, ctx):
    patient_id = registered(api_as)
    response = api_as("pharmacist").post(meds_path(patient_id), json=OXY)
    assert response.status_code == 201, response.json
    assert response.json == {"id": response.json["id"], "patient_id": patient_id,
                             "name": "Oxycodone 5 mg tablet", "ingredient": "oxycodone",
                             "dose_mg_per_day": 20, "source": "pdmp",
                             "started_on": "2025-11-01", "stopped_on": None, "active": True}
    raw = db.session.execute(sa.text(
        "SELECT name, ingredient, dose_mg_per_day, started_on FROM outside_medications")).one()
    assert all(value.startswith("gAAAA") for value in raw)
    assert not any(s in " ".join(raw) for s in ("Oxycodone", "oxycodone", "2025-11-01"))


def test_outside_medications_listed_with_an_audited_read(api_as, ctx):
    patient_id = registered(api_as)
    tech = api_as("technician")
    tech.post(meds_path(patient_id), json=OXY)
    tech.post(meds_path(patient_id), json={"name": "Ibuprofen", "ingredient": "ibuprofen",
                                           "source": "patient"})
    billing = api_as("billing")
    listed = billing.get(meds_path(patient_id))
    assert listed.status_code == 200
    assert [m["ingredient"] for m in listed.json] == ["oxycodone", "ibuprofen"]
    second_page = billing.get(f"{meds_path(patient_id)}?page=2&page_size=1")
    assert [m["ingredient"] for m in second_page.json] == ["ibuprofen"]
    assert second_page.headers["X-Total-Count"] == "2"
    events = db.session.execute(sa.select(AuditEvent).where(
        AuditEvent.action == "outside_medication.read")).scalars().all()
    assert {(e.actor_user_id, e.entity_id) for e in events} == {(billing.user_id,
                                                                 str(patient_id))}
    assert len(events) == 2  # one a read


def test_outside_medication_stopped_on_a_day(api_as):
    patient_id = registered(api_as)
    rph = api_as("pharmacist")
    med_id = rph.post(meds_path(patient_id), json=OXY).json["id"]
    stopped = patch(rph, f"{meds_path(patient_id)}/{med_id}",
                    {"stopped_on": clock.today().isoformat()})
    assert stopped.status_code == 200
    assert stopped.json["stopped_on"] == clock.today().isoformat()
    assert stopped.json["active"] is False


def test_outside_medication_cannot_stop_before_it_started(api_as):
    patient_id = registered(api_as)
    rph = api_as("pharmacist")
    med_id = rph.post(meds_path(patient_id), json=OXY).json["id"]
    response = patch(rph, f"{meds_path(patient_id)}/{med_id}", {"stopped_on": "2025-10-01"})
    assert response.status_code == 422
    assert list(response.json["errors"]) == ["stopped_on"]
    response = rph.post(meds_path(patient_id), json={**OXY, "stopped_on": "2025-10-01"})
    assert response.status_code == 422
    assert list(response.json["errors"]) == ["stopped_on"]


def test_outside_medication_of_another_patient_is_404(api_as):
    patient_id = registered(api_as)
    other_id = api_as("technician").post(
        "/api/v1/patients", json={**PATIENT, "last_name": "Other"}).json["id"]
    rph = api_as("pharmacist")
    med_id = rph.post(meds_path(patient_id), json=OXY).json["id"]
    response = patch(rph, f"{meds_path(other_id)}/{med_id}", {"stopped_on": "2026-01-01"})
    assert response.status_code == 404
    assert rph.post(meds_path(999999), json=OXY).status_code == 404


def test_outside_medication_fields_are_checked_by_field(api_as):
    patient_id = registered(api_as)
    response = api_as("pharmacist").post(meds_path(patient_id), json={
        "name": " ", "source": "neighbour", "dose_mg_per_day": -5, "started_on": "2999-01-01"})
    assert response.status_code == 422
    assert set(response.json["errors"]) == {"name", "ingredient", "source", "dose_mg_per_day",
                                            "started_on"}


def test_outside_medications_are_recorded_by_pharmacists_and_technicians(api_as):
    patient_id = registered(api_as)
    for role in ("billing", "attorney", "admin"):
        assert api_as(role).post(meds_path(patient_id), json=OXY).status_code == 403
    assert api_as("attorney").get(meds_path(patient_id)).status_code == 403


def test_active_outside_medications_leaves_out_those_stopped_by_the_day(ctx):
    patient = factories.patient()
    day = date(2026, 3, 1)
    for ingredient, stopped in (("oxycodone", None), ("tramadol", day),
                                ("ibuprofen", day + timedelta(days=1)),
                                ("naproxen", day - timedelta(days=30))):
        services.record_outside_medication(None, patient.id, name=ingredient.title(),
                                           ingredient=ingredient, source="patient",
                                           stopped_on=stopped)
    active = services.active_outside_medications(patient.id, day)
    assert [m.ingredient for m in active] == ["oxycodone", "ibuprofen"]
    assert services.active_outside_medications(factories.patient().id, day) == []
