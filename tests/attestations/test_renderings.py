"""The HTML and PDF renderings and the custodian certificate: what they must say."""

from __future__ import annotations

import io
import json
import re
from typing import Any

from pypdf import PdfReader

from lienrx.attestations import certificate, layout, pdf, signing
from lienrx.cases import services as cases
from lienrx.core import documents
from tests.attestations import synthetic
from tests.attestations.helpers import commit, days_ago, issue


def _pdf_text(body: bytes) -> str:
    reader = PdfReader(io.BytesIO(body))
    return "\n".join(page.extract_text() for page in reader.pages)


def _flat(text: str) -> str:
    return " ".join(text.split())


def _issued_with_treatment(api_as: Any, world: Any) -> dict[str, Any]:
    cases.add_external_treatment(None, world.case_id, kind="iv_ketamine_infusion",
                                 started_on=days_ago(40), facility="Music City Infusion")
    commit()
    return issue(api_as("pharmacist", name="Pat Pharmacist", license_number="TN-RPH-31"),
                 world.case_id, narrative="Ketamine treats the CRPS of the right wrist.")


def test_pdf_carries_summary_sections_hash_key_and_verification_link(api_as, world, ctx):
    issued = _issued_with_treatment(api_as, world)
    response = api_as("billing").get(f"/api/v1/attestations/{issued['id']}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = _flat(_pdf_text(response.data))
    doc = issued["document"]
    for needed in (f"{doc['patient']['first_name']} {doc['patient']['last_name']}",
                   layout.day(doc["patient"]["date_of_birth"]), doc["case"]["firm_file_number"],
                   doc["law_firm"]["name"], layout.day(doc["case"]["date_of_injury"]),
                   "Motor vehicle collision", "G90.511", "IV ketamine infusion",
                   "Music City Infusion", "Medication timeline",
                   "Why each medication was prescribed, as the prescriber stated it",
                   "Pharmacist attestation", "Ketamine treats the CRPS of the right wrist.",
                   "Pat Pharmacist", "TN-RPH-31", "Lien balance",
                   f"Document SHA-256 {issued['sha256']}", issued["key_id"],
                   "http://localhost:8000/verify",
                   "http://localhost:8000/api/v1/attestation-keys"):
        assert needed in text, needed


def test_html_is_print_ready_self_contained_and_carries_the_hash(api_as, world, ctx):
    issued = _issued_with_treatment(api_as, world)
    response = api_as("pharmacist").get(f"/api/v1/attestations/{issued['id']}.html")
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    for needed in (issued["sha256"], issued["key_id"], "/verify",
                   "/api/v1/attestation-keys", "Medication timeline",
                   "Why each medication was prescribed", "Pharmacist attestation",
                   "Music City Infusion", "@page"):
        assert needed in page, needed
    assert "<script" not in page and "https://" not in page
    assert re.findall(r"<link[^>]*>", page) == [  # only the tab's icon, inline
        f'<link rel="icon" href="{documents.icon()}" type="image/svg+xml">']
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "style-src 'sha256-" in policy


def test_verify_link_is_built_from_the_public_url_never_the_host_header(
        app, api_as, world, ctx, monkeypatch):
    monkeypatch.setitem(app.config, "LIENRX_PUBLIC_URL", "https://rx.pharmacy.example/lienrx")
    issued = _issued_with_treatment(api_as, world)
    billing, forged = api_as("billing"), {"Host": "evil.example"}
    page = billing.get(f"/api/v1/attestations/{issued['id']}.html", headers=forged)
    text = _flat(_pdf_text(billing.get(f"/api/v1/attestations/{issued['id']}.pdf",
                                       headers=forged).data))
    for rendered in (page.get_data(as_text=True), text):
        assert "https://rx.pharmacy.example/lienrx/verify" in rendered
        assert "https://rx.pharmacy.example/lienrx/api/v1/attestation-keys" in rendered
        assert (f"https://rx.pharmacy.example/lienrx/api/v1/attestations/{issued['id']}"
                in rendered)
        assert "evil.example" not in rendered


def test_html_escapes_what_people_typed(api_as, world):
    issued = issue(api_as("pharmacist"), world.case_id, narrative="<script>alert(1)</script>")
    page = api_as("billing").get(f"/api/v1/attestations/{issued['id']}.html").get_data(
        as_text=True)
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_a_timeline_over_several_pages_renders_every_line(app):
    document = synthetic.document(lines=60)  # six landscape pages: rows cross page breaks
    with app.test_request_context():
        body = pdf.render_attestation(document, synthetic.SEAL)
    assert len(PdfReader(io.BytesIO(body)).pages) >= 6
    text = _flat(_pdf_text(body))
    for line in document["dispense_lines"]:
        assert layout.money(line["charge"]) in text
        assert (line["batch_lot"] or line["ndc_lot"]) in text
    assert "MFR 4 v2, lot C-2025-0000, BUD Jul 5, 2025" in text
    assert "NDC 00228-2667-11 (Actavis Pharma, Inc.), lot G00001" in text
    assert "Gabapentin 300 mg capsule (REVERSED)" in text
    assert "Morgan Pain, MD NPI 1234567893" in text
    assert "Three CNS depressants" in text and "Prescriber consulted" in text
    assert "Zoë Nguyễn" in text  # every letter kept: the fonts are embedded


def test_html_renders_the_200_fill_timeline(app):
    from lienrx.attestations import html

    document = synthetic.document(lines=200)
    with app.test_request_context():
        page, _ = html.render_attestation(document, synthetic.SEAL)
    timeline = page[page.index("Medication timeline"):page.index("<h3>Late entries")]
    assert timeline.count('<tbody class="fill') == 200
    assert timeline.count('<tbody class="reversal">') == 1
    assert timeline.count('<tbody class="fill reversed">') == 1
    for line in document["dispense_lines"]:
        assert f'<td class="num">{layout.money(line["balance_after"])}</td>' in timeline


def test_custodian_certificate_states_the_902_11_declarations(api_as, world, ctx):
    issue(api_as("pharmacist", name="Pat Pharmacist", license_number="TN-RPH-31"),
          world.case_id)
    response = api_as("billing").get(f"/api/v1/cases/{world.case_id}/custodian-certificate.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = _flat(_pdf_text(response.data))
    for needed in ("Certificate of Authenticity of Domestic Records",
                   "Federal Rules of Evidence 902(11) and 803(6)",
                   "at or near the time of the occurrence",
                   "kept in the course of the regularly conducted activity",
                   "regular practice of that activity",
                   "does not cover any clinical narrative",
                   "under penalty of perjury", "Pat Pharmacist", "TN-RPH-31",
                   f"case {world.case_id}", "0 dispense records",
                   f"dispense-log-case-{world.case_id}.json",
                   "No dispenses are recorded on this case."):
        assert needed in text, needed


def test_custodian_certificate_lists_the_dispense_log_and_carries_it(app):
    lines = [synthetic.line(i) for i in range(3)]
    log_sha256 = signing.document_sha256({"case_id": 42, "dispense_log": lines})
    facts = {"pharmacy": "LienRx Compounding Pharmacy", "case_id": 42,
             "firm_file_number": "PI-42", "law_firm": "Hale & Stone LLP",
             "patient_name": "Zoë Rivera", "patient_date_of_birth": "1985-03-14",
             "dispense_log": lines, "log_sha256": log_sha256,
             "generated_at": "2025-06-01T12:00:00+00:00", "custodian": None}
    with app.test_request_context():
        body = certificate.render_custodian_certificate(facts)
    text = _flat(_pdf_text(body))
    assert "3 dispense records" in text and log_sha256 in text
    assert "Zoë Rivera (date of birth Mar 14, 1985)" in text
    for line in lines:
        assert layout.day(line["dispensed_on"]) in text
        assert layout.money(line["charge"]) in text
    assert "Pharmacist, custodian of records" in text
    (attached,) = documents.attachments_of(body).values()
    assert json.loads(attached)["dispense_log"] == lines
    assert signing.document_sha256(json.loads(attached)) == log_sha256


def test_custodian_certificate_is_for_pharmacy_billing_and_the_firm(api_as, world):
    path = f"/api/v1/cases/{world.case_id}/custodian-certificate.pdf"
    assert api_as("attorney", firm=world.firm_id).get(path).status_code == 200
    assert api_as("technician").get(path).status_code == 403
