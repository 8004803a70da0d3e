"""SPEC §4.9: every line of the POGOS traces to a dispense record; totals come from the ledger."""

import io

import pytest
from pypdf import PdfReader

from lienrx.extensions import db
from tests.dispensing.conftest import counter as counter_fixture
from tests.dispensing.conftest import cream_fill, gabapentin_fill
from tests.formulary.factories import load_products, prescription

RETURNED = {"disposition": "return_to_stock"}  # a controlled fill names its disposition


def dispense_resolving(rph, body):
    """Dispense; when DUR refuses, resolve the alerts it names and send it again."""
    response = rph.post("/api/v1/dispenses", json=body)
    if response.status_code == 409 and response.json["code"] == "dur_unresolved":
        resolutions = [{"alert_id": a["id"], "reason": "TD", "professional_service": "M0",
                        "result": "1G", "contacted": {"name": "Dr. Pain", "at": CONTACTED_AT},
                        "resolution": "Cross-taper ordered by Dr. Pain"}
                       for a in response.json["alerts"]]
        response = rph.post("/api/v1/dispenses", json={**body, "dur_resolutions": resolutions})
    assert response.status_code == 201, response.json
    return response.json


counter = counter_fixture
CONTACTED_AT = "2026-11-02T16:15:00+00:00"  # 10:15 at the pharmacy (America/Chicago)


@pytest.fixture
def filled_case(api_as, app, counter):
    """Gabapentin and ketamine cream fills, one reversed, and a resolved DUR alert."""
    with app.app_context():
        load_products("PREG-CAP-75")
        prescription(counter.case_id, counter.prescriber_id, "PREG-CAP-75", quantity=60,
                     days_supply=30, refills_authorized=0)
        db.session.commit()
    rph = api_as("pharmacist", name="Rita Pharmacist, PharmD", license_number="TN-RPH-4242")
    gaba = dispense_resolving(rph, gabapentin_fill(counter))
    cream = dispense_resolving(rph, cream_fill(counter))
    extra = dispense_resolving(rph, cream_fill(
        counter, quantity=5, override_refill_too_soon={"reason": "spilled jar"}))
    rph.post(f"/api/v1/dispenses/{extra['id']}/reverse",
             json={"reason": "entered twice", **RETURNED})
    return rph, counter, gaba, cream, extra


def test_pogos_lists_every_fill_from_the_records(filled_case):
    rph, counter, gaba, cream, extra = filled_case
    attestation = rph.post(f"/api/v1/cases/{counter.case_id}/attestations",
                           json={"narrative": "Regimen per Budapest-criteria CRPS."}).json
    document = attestation["document"]
    lines = {line["dispense_id"]: line for line in document["dispense_lines"]}
    assert set(lines) == {gaba["id"], cream["id"], extra["id"]}
    gaba_line, cream_line = lines[gaba["id"]], lines[cream["id"]]
    assert gaba_line["ndc"] == "65162-0102-10" and gaba_line["ndc_lot"] == "GB2291A"
    assert gaba_line["charge"] == gaba["charge"] == "52.50"
    assert gaba_line["prescriber_npi"] and gaba_line["icd10_codes"] == ["G90.511"]
    assert cream_line["batch_lot"] and cream_line["beyond_use_date"]
    assert cream_line["formulation"].startswith("MFR ")
    assert cream_line["pharmacist_name"] == "Rita Pharmacist, PharmD"
    assert cream_line["pharmacist_license"] == "TN-RPH-4242"
    assert lines[extra["id"]]["status"] == "reversed"
    assert lines[extra["id"]]["refill_too_soon_override"] == "spilled jar"
    assert document["fills"] == {"count": 2, "reversed": 1, "charges": "184.50"}
    assert document["ledger"]["balance"] == "184.50"


def test_pogos_carries_dur_resolutions_and_rationale(filled_case):
    rph, counter, gaba, *_ = filled_case
    document = rph.post(f"/api/v1/cases/{counter.case_id}/attestations", json={}).json[
        "document"]
    resolved = [a for a in document["dur_alerts"] if a["resolution"]]
    assert resolved and resolved[0]["resolution"] == (
        "Therapeutic duplication (TD). Prescriber consulted (M0): filled with prescriber "
        "approval (1G) — Dr. Pain, 2026-11-02 10:15. Note: Cross-taper ordered by Dr. Pain")
    assert (resolved[0]["reason"], resolved[0]["professional_service"],
            resolved[0]["result"]) == ("TD", "M0", "1G")
    assert resolved[0]["resolved_by"] == "Rita Pharmacist, PharmD"
    assert resolved[0]["dispense_id"] == gaba["id"]
    rationale = {item["product_code"]: item for item in document["medication_rationale"]}
    assert set(rationale) == {"GABA-CAP-300", "KET-CRM-10"}
    assert rationale["KET-CRM-10"]["indication"]
    assert rationale["KET-CRM-10"]["fills"] == 1  # the reversed fill does not count


def test_pogos_pdf_shows_the_fill_lines(filled_case):
    rph, counter, gaba, cream, _ = filled_case
    attestation = rph.post(f"/api/v1/cases/{counter.case_id}/attestations", json={}).json
    pdf = rph.get(f"/api/v1/attestations/{attestation['id']}.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "65162-0102-10" in text
    assert cream["label"]["lot_number"] in text
    assert attestation["sha256"][:16] in text
