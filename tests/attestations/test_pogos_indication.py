"""The POGOS gives each prescription's stated indication (SPEC §7.3, §7.7) as the reason for the
medication, attributed to the prescriber who stated it."""

import io

from pypdf import PdfReader

from tests.dispensing.conftest import counter as counter_fixture
from tests.dispensing.conftest import cream_fill
from tests.formulary.factories import INDICATION

counter = counter_fixture


def test_pogos_shows_the_prescribers_indication(api_as, counter):
    rph = api_as("pharmacist", name="Rita Pharmacist, PharmD", license_number="TN-RPH-4242")
    fill = rph.post("/api/v1/dispenses", json=cream_fill(counter))
    assert fill.status_code == 201, fill.json
    attestation = rph.post(f"/api/v1/cases/{counter.case_id}/attestations", json={}).json
    document = attestation["document"]
    (line,) = document["dispense_lines"]
    assert line["indication"] == INDICATION
    (rationale,) = document["medication_rationale"]
    assert rationale["indication"] == INDICATION
    assert rationale["stated_by"] == {"name": line["prescriber_name"],
                                      "npi": line["prescriber_npi"]}
    pdf = rph.get(f"/api/v1/attestations/{attestation['id']}.pdf")
    text = " ".join(" ".join(page.extract_text().split())
                    for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert (f"Indication stated by {line['prescriber_name']} (NPI {line['prescriber_npi']})"
            in text)
    assert INDICATION in text
