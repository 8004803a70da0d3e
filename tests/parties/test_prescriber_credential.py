"""SPEC §7.2: a prescriber carries a credential (one of ``parties.rules.CREDENTIALS``), shown
after the name ("Jane Roe, MD"); it is optional, so existing clients keep working."""

import pytest

from lienrx.parties.rules import CREDENTIALS
from tests.staff.conftest import sign_in, text
from tests.staff.test_intake_pages import error_of

ROE = {"first_name": "Jane", "last_name": "Roe", "npi": "1234567893", "dea_number": "AP5836727"}


@pytest.mark.parametrize("credential", CREDENTIALS)
def test_prescriber_credential_is_recorded_and_returned(api_as, credential):
    response = api_as("technician").post("/api/v1/prescribers",
                                         json={**ROE, "credential": credential})
    assert response.status_code == 201
    assert response.json["credential"] == credential


def test_prescriber_without_a_credential_is_still_accepted(api_as):
    response = api_as("technician").post("/api/v1/prescribers", json=ROE)
    assert response.status_code == 201
    assert response.json["credential"] is None


@pytest.mark.parametrize("credential", ["Dr.", "MD, PhD", "", "md"])
def test_unknown_credential_is_422_on_credential(api_as, credential):
    response = api_as("technician").post("/api/v1/prescribers",
                                         json={**ROE, "credential": credential})
    assert response.status_code == 422
    assert list(response.json["errors"]) == ["credential"]


def test_intake_registers_a_prescriber_with_credential(app):
    tech = sign_in(app, "technician")
    assert "Credential" in text(tech.get("/staff/intake"))
    r = tech.post("/staff/intake/prescribers", data={
        "prescriber-first_name": "Jane", "prescriber-last_name": "Roe",
        "prescriber-credential": "PA-C", "prescriber-npi": "1234567893"})
    assert r.status_code == 302
    assert "Jane Roe, PA-C" in text(tech.get(r.headers["Location"]))


def test_intake_shows_an_unknown_credential_next_to_the_field(app):
    r = sign_in(app, "technician").post("/staff/intake/prescribers", data={
        "prescriber-first_name": "Jane", "prescriber-last_name": "Roe",
        "prescriber-credential": "Dr.", "prescriber-npi": "1234567893"})
    assert r.status_code == 422
    assert error_of(r, "prescriber-credential").startswith("One of MD, DO")
