"""Prescribers (NPI and DEA checks) and law firms."""

import pytest

PRESCRIBER = {"first_name": "Morgan", "last_name": "Pain", "npi": "1234567893",
              "dea_number": "AP5836727", "state_license": "TN-55555", "specialty": "Pain"}


def test_create_prescriber_201(api_as):
    response = api_as("pharmacist").post("/api/v1/prescribers", json=PRESCRIBER)
    assert response.status_code == 201
    assert response.json["npi"] == "1234567893"


@pytest.mark.parametrize("npi", ["1234567890", "123456789", "0234567893", "12345678ab"])
def test_invalid_npi_422_on_npi(api_as, npi):
    response = api_as("technician").post("/api/v1/prescribers", json={**PRESCRIBER, "npi": npi})
    assert response.status_code == 422
    assert list(response.json["errors"]) == ["npi"]


@pytest.mark.parametrize("dea", ["AB4523763", "AP5836728", "XP5836727", "A5836727", "APX836727"])
def test_invalid_dea_422_on_dea_number(api_as, dea):
    response = api_as("technician").post("/api/v1/prescribers",
                                         json={**PRESCRIBER, "dea_number": dea})
    assert response.status_code == 422
    assert list(response.json["errors"]) == ["dea_number"]


def test_prescriber_without_dea_is_allowed(api_as):
    body = {k: v for k, v in PRESCRIBER.items() if k != "dea_number"}
    assert api_as("technician").post("/api/v1/prescribers", json=body).status_code == 201


def test_duplicate_npi_422(api_as):
    tech = api_as("technician")
    assert tech.post("/api/v1/prescribers", json=PRESCRIBER).status_code == 201
    assert tech.post("/api/v1/prescribers", json=PRESCRIBER).status_code == 422


def test_billing_cannot_create_prescribers_403(api_as):
    assert api_as("billing").post("/api/v1/prescribers", json=PRESCRIBER).status_code == 403


def test_law_firm_created_by_billing_and_admin(api_as):
    for role in ("billing", "admin"):
        response = api_as(role).post("/api/v1/law-firms", json={"name": f"{role} firm LLP"})
        assert response.status_code == 201
        assert response.json["name"] == f"{role} firm LLP"


def test_law_firm_create_forbidden_for_clinical_roles(api_as):
    for role in ("pharmacist", "technician", "attorney"):
        assert api_as(role).post("/api/v1/law-firms", json={"name": "X"}).status_code == 403


def test_law_firm_needs_a_name_422(api_as):
    response = api_as("billing").post("/api/v1/law-firms", json={"name": "   "})
    assert response.status_code == 422
    assert "name" in response.json["errors"]
