"""Dates a person would never mean are a 422 naming the field (DATE_BOUNDS, one place):
birth dates from 1900 and never in the future, event dates from 1900 to a year ahead,
expiry dates at most ten years ahead."""

from datetime import date, timedelta

import marshmallow as ma
import pytest

from lienrx.core import clock
from lienrx.core.schemas import DATE_BOUNDS, BoundedDate, Timestamp


def patient(dob):
    return {"first_name": "Ana", "last_name": "Lopez", "date_of_birth": dob}


def test_birth_date_before_1900_is_422(api_as):
    billing = api_as("billing")
    response = billing.post("/api/v1/patients", json=patient("1899-12-31"))
    assert response.status_code == 422
    assert response.json["errors"] == {"date_of_birth": ["Must be on or after 1900-01-01."]}
    assert billing.post("/api/v1/patients", json=patient("0001-01-01")).status_code == 422
    assert billing.post("/api/v1/patients", json=patient("1900-01-01")).status_code == 201


def test_birth_date_in_the_future_is_422(api_as):
    billing = api_as("billing")
    tomorrow = (clock.today() + timedelta(days=1)).isoformat()
    response = billing.post("/api/v1/patients", json=patient(tomorrow))
    assert response.status_code == 422
    assert response.json["errors"] == {"date_of_birth": ["Must not be in the future."]}


def test_event_date_before_1900_is_422(api_as, world):
    response = api_as("billing").post(
        f"/api/v1/cases/{world.case_id}/payments",
        json={"amount": "1.00", "received_on": "0001-01-01", "reference": "CHK-1"})
    assert response.status_code == 422
    assert list(response.json["errors"]) == ["received_on"]


def test_event_date_more_than_a_year_ahead_is_422(api_as, world):
    body = {"patient_id": world.patient_id, "law_firm_id": world.firm_id,
            "date_of_injury": "9999-12-31", "injury_mechanism": "motor_vehicle",
            "jurisdiction": "TN", "diagnoses": [{"icd10": "G90.511"}]}
    response = api_as("billing").post("/api/v1/cases", json=body)
    assert response.status_code == 422
    assert list(response.json["errors"]) == ["date_of_injury"]


def test_date_bounds_are_inclusive_at_both_ends(ctx):
    clock.freeze(clock.utcnow())
    today = clock.today()
    for kind, bounds in DATE_BOUNDS.items():
        field = BoundedDate(kind)
        latest = today + timedelta(days=bounds.days_ahead)
        assert field.deserialize(bounds.earliest.isoformat()) == bounds.earliest
        assert field.deserialize(latest.isoformat()) == latest
        with pytest.raises(ma.ValidationError):
            field.deserialize((bounds.earliest - timedelta(days=1)).isoformat())
        with pytest.raises(ma.ValidationError):
            field.deserialize((latest + timedelta(days=1)).isoformat())


def test_expiry_dates_reach_ten_years_ahead_and_no_further(ctx):
    clock.freeze(clock.utcnow())
    latest = BoundedDate("expiry")
    assert latest.deserialize((clock.today() + timedelta(days=3653)).isoformat())
    with pytest.raises(ma.ValidationError):
        latest.deserialize((clock.today() + timedelta(days=3654)).isoformat())


def test_timestamp_with_offset_overflowing_utc_is_refused_not_raised(ctx):
    with pytest.raises(ma.ValidationError, match="1900-01-01"):
        Timestamp().deserialize("0001-01-01T00:00:00+14:00")
    with pytest.raises(ma.ValidationError, match="on or before"):
        Timestamp().deserialize("9999-12-31T23:59:59-14:00")
    moment = Timestamp().deserialize("1900-01-01T00:00:00+14:00")
    assert moment.isoformat() == "1899-12-31T10:00:00+00:00"
    assert moment.date() < date(1900, 1, 1)  # as written it was in bounds; UTC is the store
