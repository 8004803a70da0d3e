"""SPEC §7.7, documents that tell the truth: each POGOS line carries what its own prescription
says, the reason for a medication is the prescriber's, the pharmacist attests to records only,
and the one template renders it to HTML and to a PDF that carries its signed JSON."""

from __future__ import annotations

import html
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from flask import Response
from pypdf import PdfReader

import lienrx.attestations
from lienrx.attestations import builder, layout
from lienrx.attestations import html as html_rendering
from lienrx.core import documents
from lienrx.extensions import db
from lienrx.parties import services as parties
from lienrx.prescribing.models import Prescription
from tests import factories
from tests.attestations import synthetic
from tests.attestations.helpers import issue
from tests.dispensing.conftest import counter as counter_fixture
from tests.dispensing.conftest import cream_fill, gabapentin_fill
from tests.formulary.factories import (
    GABAPENTIN_300_NDC,
    load_products,
    prescription,
    receive_ndc_lot,
)
from tests.staff.conftest import sign_in

counter = counter_fixture
RETURNED = {"disposition": "return_to_stock"}


def pdf_text(body: bytes) -> str:
    return " ".join(" ".join(page.extract_text().split())
                    for page in PdfReader(io.BytesIO(body)).pages)


def first_page_text(body: bytes) -> str:
    return " ".join(PdfReader(io.BytesIO(body)).pages[0].extract_text().split())


def page_text(response: Any) -> str:
    page = re.sub(r"<style>.*?</style>", " ", response.get_data(as_text=True), flags=re.S)
    body = html.unescape(re.sub(r"<[^>]+>", " ", page))
    return " ".join(body.split())


def dispensed(rph: Any, body: dict[str, Any]) -> dict[str, Any]:
    response = rph.post("/api/v1/dispenses", json=body)
    assert response.status_code == 201, response.json
    return dict(response.json)


def renderings(rph: Any, attestation: dict[str, Any]) -> tuple[str, str]:
    """The HTML page's text and the PDF's text of an issued attestation."""
    page = rph.get(f"/api/v1/attestations/{attestation['id']}.html")
    body = rph.get(f"/api/v1/attestations/{attestation['id']}.pdf")
    assert page.status_code == 200 and body.status_code == 200
    return page_text(page), pdf_text(body.data)


# 1. Codes of the line's own prescription ------------------------------------------------------

def test_pogos_line_shows_its_own_prescriptions_codes_never_the_cases(app, api_as, counter):
    with app.app_context():  # a prescription entered before codes were required: none given
        db.session.get(Prescription, counter.cream_rx).diagnosis_codes = []
        db.session.commit()
    rph = api_as("pharmacist")
    gaba, cream = dispensed(rph, gabapentin_fill(counter)), dispensed(rph, cream_fill(counter))
    attestation = issue(rph, counter.case_id)
    lines = {ln["dispense_id"]: ln for ln in attestation["document"]["dispense_lines"]}
    assert lines[gaba["id"]]["icd10_codes"] == ["G90.511"]
    assert lines[cream["id"]]["icd10_codes"] == []
    shown, printed = renderings(rph, attestation)
    for text in (shown, printed):
        cream_row = text[text.index("Ketamine HCl 10% topical cream"):]
        cream_row = cream_row[:cream_row.index("$")]
        assert "none given by the prescriber" in cream_row and "G90.511" not in cream_row


# 2. The prescriber's indication, no product boilerplate ---------------------------------------

@pytest.fixture
def whiplash(app):
    """A whiplash case (S13.4XXA) with a gabapentin prescription for neck pain."""
    with app.app_context():
        load_products("GABA-CAP-300")
        firm = factories.law_firm()
        case = factories.case(firm, diagnoses=[{"icd10": "S13.4XXA", "laterality": None,
                                                "source": "Emergency department record"}])
        doctor = parties.create_prescriber(None, first_name="Rosa", last_name="Okafor",
                                           credential="MD", npi="1003000126",
                                           dea_number=factories.VALID_DEA)
        rx = prescription(case.id, doctor.id, "GABA-CAP-300", quantity=90, days_supply=30,
                          sig="1 capsule by mouth three times daily",
                          dose={"amount": 300, "unit": "mg", "times_per_day": 3},
                          diagnosis_codes=["S13.4XXA"],
                          indication="Cervical radicular pain after whiplash injury")
        receive_ndc_lot(GABAPENTIN_300_NDC, "WL-1")
        db.session.commit()
        return case.id, rx.id


def test_clinical_reason_is_the_prescribers_indication_and_no_crps_wording_on_a_whiplash_case(
        api_as, whiplash):
    case_id, rx_id = whiplash
    rph = api_as("pharmacist")
    dispensed(rph, {"prescription_id": rx_id, "quantity": 90, "days_supply": 30,
                    "ndc": GABAPENTIN_300_NDC, "lot_number": "WL-1"})
    attestation = issue(rph, case_id)
    document = attestation["document"]
    (reason,) = document["medication_rationale"]
    assert reason["indication"] == "Cervical radicular pain after whiplash injury"
    assert reason["stated_by"] == {"name": "Rosa Okafor, MD", "npi": "1003000126"}
    assert reason["source"] == "prescription" and reason["icd10_codes"] == ["S13.4XXA"]
    shown, printed = renderings(rph, attestation)
    attributed = ("Indication stated by Rosa Okafor, MD (NPI 1003000126) on the prescription "
                  "written")
    for text in (json.dumps(document, ensure_ascii=False), shown, printed):
        assert "CRPS" not in text and "complex regional" not in text.lower()
    for text in (shown, printed):
        assert attributed in text and "Cervical radicular pain after whiplash injury" in text


def test_staff_preview_shows_the_prescribers_indication_and_no_product_rationale(
        app, api_as, whiplash):
    case_id, rx_id = whiplash
    dispensed(api_as("pharmacist"), {"prescription_id": rx_id, "quantity": 90,
                                     "days_supply": 30, "ndc": GABAPENTIN_300_NDC,
                                     "lot_number": "WL-1"})
    shown = page_text(sign_in(app, "pharmacist").get(f"/staff/cases/{case_id}/attestation"))
    assert "Indication stated by Rosa Okafor, MD (NPI 1003000126)" in shown
    assert "CRPS" not in shown and "complex regional" not in shown.lower()


# 3. Facts of record only ----------------------------------------------------------------------

def test_pharmacists_attestation_states_only_facts_of_record(api_as, counter):
    rph = api_as("pharmacist", name="Rita Pharmacist, PharmD", license_number="TN-RPH-4242")
    dispensed(rph, gabapentin_fill(counter))
    statement = issue(rph, counter.case_id)["document"]["attestation"]
    for fact in ("I, Rita Pharmacist, PharmD", "TN-RPH-4242", "regular course of its business",
                 "at or near the time of each event", "a person with knowledge of it",
                 "each dispense line in this report reproduces those records"):
        assert fact in statement, fact
    for claim in ("dispensed on a prescription for the diagnoses shown",
                  "clinically appropriate", "professional judgment"):
        assert claim not in statement


# 4. What each line shows ----------------------------------------------------------------------

@pytest.fixture
def paid_case(api_as, counter):
    """Gabapentin and cream fills, and a cream refill given too soon (an override), reversed."""
    rph = api_as("pharmacist")
    gaba = dispensed(rph, gabapentin_fill(counter))
    cream = dispensed(rph, cream_fill(counter))
    extra = dispensed(rph, cream_fill(counter, quantity=5,
                                      override_refill_too_soon={"reason": "spilled jar"}))
    assert rph.post(f"/api/v1/dispenses/{extra['id']}/reverse",
                    json={"reason": "entered twice", **RETURNED}).status_code == 200
    return rph, counter, gaba, cream, extra


def test_each_line_shows_sig_dose_written_date_refill_partial_labeler_and_running_balance(
        app, paid_case):
    rph, counter, gaba, cream, extra = paid_case
    with app.app_context():
        factories.settle(counter.case_id)
        factories.pay_in_full(counter.case_id)
        db.session.commit()
    attestation = issue(rph, counter.case_id)
    document = attestation["document"]
    assert document["schema"] == "lienrx.pogos/2"
    lines = {ln["dispense_id"]: ln for ln in document["dispense_lines"]}
    g, c, x = lines[gaba["id"]], lines[cream["id"]], lines[extra["id"]]
    assert g["sig"] == "1 capsule by mouth three times daily"
    assert g["ndc"] == "65162-0102-10" and g["ndc_labeler"] == "Amneal Pharmaceuticals"
    assert (g["refill_number"], g["refills_authorized"], g["partial_sequence"]) == (0, 1, 1)
    assert (x["refill_number"], x["refills_authorized"], x["partial_sequence"]) == (1, 2, 1)
    assert g["written_on"] == document["dispense_lines"][0]["written_on"]
    assert c["formulation"].startswith("MFR ") and c["batch_lot"] and c["beyond_use_date"]
    running = ["52.50", f"{52.50 + float(c['charge']):.2f}",
               f"{52.50 + float(c['charge']) + float(x['charge']):.2f}"]
    assert [g["balance_after"], c["balance_after"], x["balance_after"]] == running
    (reversal,) = document["reversals"]
    assert reversal["balance_after"] == f"{52.50 + float(c['charge']):.2f}"
    assert document["ledger"]["balance"] == "0.00"  # the payment is in the totals only
    shown, printed = renderings(rph, attestation)
    for text in (shown, printed):
        for needed in ("1 capsule by mouth three times daily",
                       "NDC 65162-0102-10 (Amneal Pharmaceuticals), lot GB2291A",
                       "original fill, partial 1", "refill 1 of 2, partial 1",
                       f"written {layout.day(g['written_on'])}",
                       f"BUD {layout.day(c['beyond_use_date'])}",
                       "$52.50", layout.money(running[1]), layout.money(running[2]),
                       "Refill-too-soon override: spilled jar",
                       f"Reversal of the fill of {layout.day(x['dispensed_on'])}"):
            assert needed in text, needed
        timeline = text[text.index("Medication timeline"):text.index("Late entries")]
        assert g["dispensed_on"] not in timeline  # dates as people read them
        assert layout.day(g["dispensed_on"]) in timeline


def test_structured_dose_gives_the_daily_dose(app, api_as, world):
    with app.app_context():
        load_products("GABA-CAP-300")
        receive_ndc_lot(GABAPENTIN_300_NDC, "GB2291A")
        rx = prescription(world.case_id, world.prescriber_id, "GABA-CAP-300", quantity=90,
                          sig="1 capsule by mouth three times daily",
                          dose={"amount": 300, "unit": "mg", "times_per_day": 3})
        db.session.commit()
    rph = api_as("pharmacist")
    dispensed(rph, {"prescription_id": rx.id, "quantity": 90, "days_supply": 30,
                    "ndc": GABAPENTIN_300_NDC, "lot_number": "GB2291A"})
    attestation = issue(rph, world.case_id)
    (line,) = attestation["document"]["dispense_lines"]
    assert line["dose"] == {"amount": "300", "unit": "mg", "times_per_day": "3"}
    assert line["daily_dose"] == {"amount": "900", "unit": "mg"}
    for text in renderings(rph, attestation):
        assert "900 mg a day (300 mg × 3)" in text


def test_override_and_late_entry_reasons_print_on_their_line(paid_case):
    rph, counter, *_ = paid_case
    attestation = issue(rph, counter.case_id)
    shown, printed = renderings(rph, attestation)
    for text in (shown, printed):
        row = text[text.index("[refill override]"):]
        assert "Refill-too-soon override: spilled jar" in row[:row.index("Reversal of")]


def test_money_and_times_read_as_people_read_them(app):
    assert layout.money("1234.56") == "$1,234.56" and layout.money("-52.5") == "-$52.50"
    assert layout.day("2026-03-04") == "Mar 4, 2026"
    document = synthetic.document(lines=4)
    with app.test_request_context():
        page = html_rendering.rendered_attestation(document, synthetic.SEAL).html
    text = page_text(Response(page))
    assert "Lien balance $1,234.56" in text
    assert "issued Jun 1, 2025, 7:00 AM CDT" in text  # 12:00 UTC at the pharmacy (Chicago)
    assert "Jan 6, 2025, 10:00 AM CST" in text  # the DUR alert's resolution time


# 5. Every version stays viewable --------------------------------------------------------------

def test_stored_first_format_documents_still_render(api_as, counter, monkeypatch):
    built = builder.build_document

    def as_first_format(*args: Any, **kwargs: Any) -> dict[str, Any]:
        return synthetic.first_format(built(*args, **kwargs), "Product text from the formulary")

    monkeypatch.setattr(builder, "build_document", as_first_format)
    rph = api_as("pharmacist")
    dispensed(rph, gabapentin_fill(counter))
    attestation = issue(rph, counter.case_id)
    assert attestation["document"]["schema"] == "lienrx.pogos/1"
    shown, printed = renderings(rph, attestation)
    for text in (shown, printed):
        assert "Sig: not recorded in this version" in text
        assert "Refill: not recorded in this version" in text
        assert "signed in the first format of the report (lienrx.pogos/1)" in text
        assert "clinically appropriate" in text  # what that version's pharmacist signed
        assert "Complex regional pain syndrome type I of the right upper limb" in text
        assert "Product text from the formulary" not in text


# 6. One template, two renderings; the PDF carries its signed JSON ------------------------------

def test_pdf_carries_the_signed_attestation_as_the_api_returns_it(api_as, anonymous, counter):
    rph = api_as("pharmacist")
    dispensed(rph, gabapentin_fill(counter))
    attestation = issue(rph, counter.case_id)
    body = rph.get(f"/api/v1/attestations/{attestation['id']}.pdf").data
    name = f"pogos-case-{counter.case_id}-v1.json"
    attached = documents.attachments_of(body)
    assert set(attached) == {name}
    saved = rph.get(f"/api/v1/attestations/{attestation['id']}").json
    assert json.loads(attached[name].decode("utf-8")) == saved
    assert PdfReader(io.BytesIO(body)).pdf_header == "%PDF-1.7"  # PDF/A-3b
    verdict = anonymous.client.post("/api/v1/attestations/verify",
                                    data={"file": (io.BytesIO(body), "pogos.pdf")},
                                    content_type="multipart/form-data")
    assert verdict.status_code == 200 and verdict.json["valid"] is True


def test_html_and_pdf_state_the_key_rule_and_how_to_verify(app, api_as, world, monkeypatch):
    monkeypatch.setitem(app.config, "LIENRX_PUBLIC_URL", "https://rx.pharmacy.example")
    rph = api_as("pharmacist")
    attestation = issue(rph, world.case_id)
    for text in renderings(rph, attestation):
        assert "Upload this PDF (or the signed JSON) at https://rx.pharmacy.example/verify" in text
        assert ("The key id names the Ed25519 public key published at "
                "https://rx.pharmacy.example/api/v1/attestation-keys") in text
        assert "a retired key still verifies the documents it signed" in text
        assert "/api/v1/attestations/verify" not in text  # the POST endpoint answers 405
        assert f"pogos-case-{world.case_id}-v1.json" in text


# 7. A superseded version says so on its first page --------------------------------------------

def test_superseded_version_carries_a_stamp_on_its_first_page(api_as, world):
    rph = api_as("pharmacist")
    first, second = issue(rph, world.case_id), issue(rph, world.case_id)
    stamp = ("SUPERSEDED by version 2 issued "
             + layout.moment(second["issued_at"], layout.zone_of(second["document"])))
    page = rph.get(f"/api/v1/attestations/{first['id']}.html").get_data(as_text=True)
    assert stamp in html.unescape(page[:page.index("<h2>Summary")])
    assert stamp in first_page_text(rph.get(f"/api/v1/attestations/{first['id']}.pdf").data)
    later, printed = renderings(rph, second)
    assert "SUPERSEDED" not in later and "SUPERSEDED" not in printed


# 8. Names in any script; no fpdf2 -------------------------------------------------------------

def test_names_in_any_script_survive_in_the_pogos_and_certificate_pdfs(app, api_as):
    with app.app_context():
        firm = factories.law_firm()
        patient = factories.patient(first_name="Zoë Ñúñez-山田", last_name="Смирнова")
        case_id = factories.case(firm, patient_id=patient.id).id
        db.session.commit()
    rph = api_as("pharmacist")
    attestation = issue(rph, case_id)
    pogos = pdf_text(rph.get(f"/api/v1/attestations/{attestation['id']}.pdf").data)
    certificate = pdf_text(rph.get(f"/api/v1/cases/{case_id}/custodian-certificate.pdf").data)
    for text in (pogos, certificate):
        assert "Zoë Ñúñez-山田 Смирнова" in text


def test_attestations_no_longer_use_fpdf2():
    package = Path(lienrx.attestations.__file__).parent
    assert not [p.name for p in package.glob("*.py") if "fpdf" in p.read_text()]
