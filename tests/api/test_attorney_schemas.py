"""ARCHITECTURE: attorney-facing dump schemas never carry internal fields.

An attorney's dispense, case (one and the list) and ledger carry what API.md and SPEC §1
promise a firm (status, balance, fills with drug, quantity, date and charge, diagnoses, the
ledger's entries) and none of the staff's internal fields; staff responses are unchanged.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from lienrx.cases import services as cases
from lienrx.core import clock
from lienrx.dispensing import services as dispensing
from lienrx.extensions import db
from tests import factories
from tests.formulary.factories import (
    GABAPENTIN_300_NDC,
    load_products,
    prescription,
    receive_ndc_lot,
)

# Internal fields that must never reach a firm, by response.
DISPENSE_INTERNAL = {"pharmacist_user_id", "prescription_id", "compounding_record_id",
                     "lot_number", "delivery_method", "dur_alerts", "label",
                     "refill_override_reason", "reversal_reason", "reversed_by_user_id",
                     "charge_entry_id", "reversal_entry_id", "created_at"}
DISPENSE_PROMISED = {"id", "case_id", "fill_number", "drug", "quantity", "days_supply",
                     "dispensed_on", "charge", "patient_paid", "status"}
CASE_INTERNAL = {"patient_id", "created_at"}
CASE_PROMISED = {"id", "status", "patient", "law_firm_id", "firm_file_number",
                 "date_of_injury", "injury_mechanism", "jurisdiction", "diagnoses", "balance"}
PATIENT_INTERNAL = {"id", "phone", "email", "address", "lookup_index"}
TREATMENT_INTERNAL = {"id", "case_id", "notes", "protocol", "dose"}
AGREEMENT_INTERNAL = {"id", "case_id", "law_firm_id", "attorney_user_id"}
LEDGER_PROMISED = {"case_id", "balance", "totals", "entries"}
ENTRY_PROMISED = {"id", "kind", "amount", "posted_at", "occurred_on", "memo", "dispense_id"}


@pytest.fixture
def filled(app: Any, world: Any) -> dict[str, int]:
    """The world case with a fill, an outside treatment with staff notes, and its ids."""
    with app.app_context():
        load_products("GABA-CAP-300")
        rx = prescription(world.case_id, world.prescriber_id, "GABA-CAP-300",
                          quantity=Decimal(90), days_supply=30)
        pharmacist = factories.user("pharmacist")
        fill = dispensing.dispense(pharmacist, dispensing.DispenseRequest(
            prescription_id=rx.id, quantity=rx.quantity, days_supply=30,
            ndc=GABAPENTIN_300_NDC,
            lot_number=receive_ndc_lot(GABAPENTIN_300_NDC, "GB2291A").lot_number))
        cases.add_external_treatment(
            None, world.case_id, kind="iv_ketamine_infusion",
            started_on=clock.today() - timedelta(days=30), facility="Midtown Infusion",
            protocol="0.5 mg/kg over 40 min", dose="35 mg", notes="staff note: call back")
        db.session.commit()
        return {"case_id": world.case_id, "dispense_id": fill.id, "firm_id": world.firm_id}


def attorney_of(api_as: Any, filled: dict[str, int]) -> Any:
    return api_as("attorney", firm=filled["firm_id"])


def test_attorney_dispense_carries_no_internal_field(api_as, filled):
    body = attorney_of(api_as, filled).get(f"/api/v1/dispenses/{filled['dispense_id']}")
    assert body.status_code == 200
    fill = body.get_json()
    assert not DISPENSE_INTERNAL & set(fill)
    assert DISPENSE_PROMISED <= set(fill)
    assert fill["drug"]["name"] and fill["charge"] != "0.00" and fill["patient_paid"] == "0.00"
    assert (fill["case_id"], fill["status"], fill["fill_number"]) == (filled["case_id"],
                                                                      "dispensed", 1)


def test_staff_dispense_is_unchanged(api_as, filled):
    fill = api_as("pharmacist").get(f"/api/v1/dispenses/{filled['dispense_id']}").get_json()
    assert {"pharmacist_user_id", "prescription_id", "label", "dur_alerts",
            "compounding_record_id", "lot_number"} <= set(fill)
    assert "drug" not in fill


def check_attorney_case(case: dict[str, Any]) -> None:
    assert not CASE_INTERNAL & set(case)
    assert CASE_PROMISED <= set(case)
    assert not PATIENT_INTERNAL & set(case["patient"])
    assert {"first_name", "last_name", "date_of_birth"} <= set(case["patient"])
    assert case["diagnoses"] and {"icd10", "laterality"} <= set(case["diagnoses"][0])
    for treatment in case["external_treatments"]:
        assert not TREATMENT_INTERNAL & set(treatment)
        assert {"kind", "started_on", "facility"} <= set(treatment)
    assert not AGREEMENT_INTERNAL & set(case["lien_agreement"])
    assert case["lien_agreement"]["status"] == "active"


def test_attorney_case_carries_no_internal_field(api_as, filled):
    response = attorney_of(api_as, filled).get(f"/api/v1/cases/{filled['case_id']}")
    assert response.status_code == 200
    case = response.get_json()
    check_attorney_case(case)
    assert len(case["external_treatments"]) == 1
    assert case["balance"] != "0.00"


def test_attorney_case_list_carries_no_internal_field(api_as, filled):
    response = attorney_of(api_as, filled).get("/api/v1/cases")
    assert response.status_code == 200
    assert response.headers["X-Total-Count"] == "1"
    [case] = response.get_json()
    check_attorney_case(case)


def test_staff_case_is_unchanged(api_as, filled):
    case = api_as("billing").get(f"/api/v1/cases/{filled['case_id']}").get_json()
    assert {"patient_id", "created_at"} <= set(case)
    assert "id" in case["patient"]
    assert {"notes", "protocol", "dose", "id"} <= set(case["external_treatments"][0])
    assert {"id", "case_id"} <= set(case["lien_agreement"])
    [listed] = [c for c in api_as("billing").get("/api/v1/cases").get_json()
                if c["id"] == filled["case_id"]]
    assert set(listed) == set(case)


def test_attorney_ledger_carries_what_api_md_promises(api_as, filled):
    response = attorney_of(api_as, filled).get(f"/api/v1/cases/{filled['case_id']}/ledger")
    assert response.status_code == 200
    ledger = response.get_json()
    assert set(ledger) == LEDGER_PROMISED
    assert set(ledger["entries"][0]) == ENTRY_PROMISED
    assert ledger["entries"][0]["dispense_id"] == filled["dispense_id"]
    staff = api_as("billing").get(f"/api/v1/cases/{filled['case_id']}/ledger").get_json()
    assert staff == ledger  # every ledger field is promised to the firm


def test_openapi_documents_both_shapes(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    paths = spec["paths"]
    for path, staff, firm in (("/api/v1/dispenses/{dispense_id}", "Dispense", "AttorneyDispense"),
                              ("/api/v1/cases/{case_id}", "Case", "AttorneyCase"),
                              ("/api/v1/cases/{case_id}/ledger", "CaseLedger",
                               "AttorneyCaseLedger")):
        shape = paths[path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        refs = {s["$ref"].rsplit("/", 1)[1] for s in shape["anyOf"]}
        assert refs == {staff, firm}
    assert not DISPENSE_INTERNAL & set(spec["components"]["schemas"]["AttorneyDispense"]
                                       ["properties"])
