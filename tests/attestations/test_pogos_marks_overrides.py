"""SPEC §7.7: the POGOS marks a refill-too-soon override, a BUD override and a late entry on
their line, and lists each with the reason given, in the signed JSON, the HTML and the PDF."""

import html
import io
import re
from datetime import timedelta

import pytest
from pypdf import PdfReader

from lienrx.attestations.layout import day
from lienrx.core import clock
from tests.attestations.helpers import issue
from tests.dispensing.conftest import counter as counter_fixture
from tests.dispensing.conftest import cream_fill, gabapentin_fill

counter = counter_fixture
EARLY = "Lost supply, police report 4471"
PAST_BUD = "Patient told to discard on the BUD"
LATE = "Pharmacy system outage; paper record entered now"


def dispensed(rph, body):
    response = rph.post("/api/v1/dispenses", json=body)
    assert response.status_code == 201, response.json
    return response.json


@pytest.fixture
def overridden(api_as, counter):
    """A gabapentin fill, its early refill (override), a cream fill entered late and a cream
    fill whose supply runs past its batch's BUD (override)."""
    rph = api_as("pharmacist")
    first = dispensed(rph, gabapentin_fill(counter))
    clock.freeze(clock.utcnow() + timedelta(days=10))
    early = dispensed(rph, gabapentin_fill(counter, override_refill_too_soon={"reason": EARLY}))
    late_day = clock.today() - timedelta(days=2)
    late = dispensed(rph, cream_fill(counter, quantity=10, days_supply=10,
                                     dispensed_on=late_day.isoformat(), late_entry_reason=LATE))
    clock.freeze(clock.utcnow() + timedelta(days=20))  # 30 days' supply passes the BUD
    past_bud = dispensed(rph, cream_fill(counter, quantity=20,  # the rest of the fill
                                         bud_override={"reason": PAST_BUD}))
    return rph, counter.case_id, {"first": first, "early": early, "late": late,
                                  "past_bud": past_bud}


def page_text(response):
    page = re.sub(r"<style>.*?</style>", " ", response.get_data(as_text=True), flags=re.S)
    body = html.unescape(re.sub(r"<[^>]+>", " ", page))
    return " ".join(body.split())


def test_pogos_lines_carry_refill_and_bud_override_reasons(overridden):
    rph, case_id, fills = overridden
    lines = {line["dispense_id"]: line for line in issue(rph, case_id)["document"][
        "dispense_lines"]}
    assert lines[fills["early"]["id"]]["refill_too_soon_override"] == EARLY
    assert lines[fills["past_bud"]["id"]]["bud_override"] == PAST_BUD
    assert lines[fills["first"]["id"]]["refill_too_soon_override"] is None
    assert lines[fills["first"]["id"]]["bud_override"] is None
    assert lines[fills["late"]["id"]]["late_entry_reason"] == LATE


def test_pogos_html_marks_overridden_lines_and_lists_each_reason(overridden):
    rph, case_id, fills = overridden
    attestation = issue(rph, case_id)
    shown = page_text(rph.get(f"/api/v1/attestations/{attestation['id']}.html"))
    assert "Gabapentin 300 mg capsule [refill override]" in shown
    assert "Ketamine HCl 10% topical cream [BUD override]" in shown
    assert "Late entries and pharmacist overrides" in shown
    early_on, late_on = day(fills["early"]["dispensed_on"]), day(fills["late"]["dispensed_on"])
    assert (f"{early_on} {fills['early']['fill_number']} Gabapentin 300 mg capsule "
            f"Refill-too-soon override {EARLY}") in shown
    assert f"Supply past the BUD override {PAST_BUD}" in shown
    assert f"{late_on} (late entry) {fills['late']['fill_number']} " in shown
    assert f"Late entry {LATE}" in shown


def test_pogos_pdf_lists_overrides_and_late_entries_with_their_reasons(overridden):
    rph, case_id, _ = overridden
    attestation = issue(rph, case_id)
    pdf = rph.get(f"/api/v1/attestations/{attestation['id']}.pdf")
    text = " ".join(" ".join(page.extract_text().split())
                    for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Late entries and pharmacist overrides" in text
    for reason in (EARLY, PAST_BUD, LATE):
        assert reason in text, reason
    assert "[refill override]" in text and "[BUD override]" in text
    assert f"Refill-too-soon override: {EARLY}" in text  # on the line itself too
    assert f"Supply past the BUD override: {PAST_BUD}" in text


def test_pogos_without_overrides_says_so(api_as, counter):
    rph = api_as("pharmacist")
    dispensed(rph, gabapentin_fill(counter))
    attestation = issue(rph, counter.case_id)
    shown = page_text(rph.get(f"/api/v1/attestations/{attestation['id']}.html"))
    assert "No late entry and no override." in shown
