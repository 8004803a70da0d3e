"""SPEC §7.7: payoff statements, release letters and no-recovery closing letters are letters, in
PDF and HTML from one template each, sharing one layout: letterhead, date, addressee (firm and
attorney), case and file numbers, the money breakdown, valid-through (payoff), remit-to details
and a signature block."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from lienrx.audit.models import AuditEvent
from lienrx.cases import services as cases
from lienrx.core import clock
from lienrx.extensions import db
from lienrx.settlement.models import ClosingLetter
from tests import factories
from tests.settlement.conftest import (
    ATTORNEY,
    CLIENT,
    FILE_NUMBER,
    FIRM,
    LETTERHEAD,
    pay,
    pdf_text,
    reduce,
    words,
)

ISSUED = datetime(2026, 3, 1, 15, tzinfo=UTC)


@pytest.fixture(autouse=True)
def march_first() -> None:
    clock.freeze(ISSUED)


def page_text(response: Any) -> str:
    """An HTML letter's text: tags dropped, entities decoded, whitespace collapsed."""
    return words(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))))


def remit_block(response: Any) -> str:
    found = re.search(r'<section class="remit-to".*?</section>', response.get_data(as_text=True),
                      re.S)
    assert found, "the letter has no remit-to block"
    return found.group(0)


def statement(client: Any, case_id: int) -> str:
    issued = client.post(f"/api/v1/cases/{case_id}/payoff-statements")
    assert issued.status_code == 201, issued.json
    return f"/api/v1/payoff-statements/{issued.json['id']}"


def close(client: Any, case_id: int, outcome: str, reason: str | None = None) -> Any:
    body = {"outcome": outcome, **({"reason": reason} if reason else {})}
    closed = client.post(f"/api/v1/cases/{case_id}/close", json=body)
    assert closed.status_code == 200, closed.json
    return closed.json


def released(client: Any, case_id: int) -> str:
    pay(client, case_id, "150.50")
    close(client, case_id, "paid")
    return f"/api/v1/cases/{case_id}/release-letter"


def unrecovered(client: Any, case_id: int) -> str:
    close(client, case_id, "no_recovery", "case dropped")
    return f"/api/v1/cases/{case_id}/closing-letter"


LETTERS = {"payoff statement": statement, "release letter": released,
           "closing letter": unrecovered}


@pytest.mark.parametrize("kind", LETTERS)
def test_every_letter_shares_one_layout(billing, matter, kind):
    path = LETTERS[kind](billing, matter.case_id)
    page = billing.get(f"{path}.html")
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    pdf = billing.get(f"{path}.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    expected = [LETTERHEAD["LIENRX_PHARMACY_NAME"], "100 Broadway, Nashville, TN 37201",
                "Phone 615-555-0100", "NPI 1234567893", "March 1, 2026",
                FIRM, "1 Σύνταγμα Plaza, Suite 9", "Nashville, TN 37219", f"Attn: {ATTORNEY}",
                "Re:", CLIENT, f"Pharmacy case {matter.case_id}",
                f"Your file no. {FILE_NUMBER}", "Charges billed $150.50", "Remit to",
                "Sincerely,", "Dana Whitfield", "Lien Billing Manager"]
    for text in (page_text(page), pdf_text(pdf.data)):
        missing = [item for item in expected if item not in text]
        assert missing == [], missing


@pytest.mark.parametrize("kind", LETTERS)
def test_letter_pdfs_keep_names_in_every_script(billing, matter, kind):
    path = LETTERS[kind](billing, matter.case_id)
    text = pdf_text(billing.get(f"{path}.pdf").data)
    for name in (CLIENT, FIRM, ATTORNEY, FILE_NUMBER):
        assert name in text, name
    assert "\ufffd" not in text


def test_remit_to_defaults_to_the_pharmacy_name_and_address(billing, matter):
    remit = remit_block(billing.get(f"{statement(billing, matter.case_id)}.html"))
    assert "<span>Cumberland Compounding Pharmacy</span>" in remit
    assert "<span>100 Broadway, Nashville, TN 37201</span>" in remit
    assert "Form W-9" not in remit  # none configured


def test_remit_to_and_footer_come_from_configuration(app, billing, matter, monkeypatch):
    monkeypatch.setitem(app.config, "LIENRX_REMIT_TO",
                        "Cumberland Lockbox\nPO Box 4410\nNashville, TN 37202")
    monkeypatch.setitem(app.config, "LIENRX_LETTER_FOOTER", "Federal tax ID 62-1234567")
    path = statement(billing, matter.case_id)
    remit = remit_block(billing.get(f"{path}.html"))
    assert ("<span>Cumberland Lockbox</span><span>PO Box 4410</span>"
            "<span>Nashville, TN 37202</span>") in remit
    assert "100 Broadway" not in remit
    assert "Federal tax ID 62-1234567" in pdf_text(billing.get(f"{path}.pdf").data)


def test_payoff_statement_shows_its_date_valid_through_breakdown_and_lines(billing, matter):
    reduce(billing, matter.case_id, "amount", "10.00")
    pay(billing, matter.case_id, "20.00")
    path = statement(billing, matter.case_id)
    page, pdf = billing.get(f"{path}.html"), billing.get(f"{path}.pdf")
    assert pdf.headers["Content-Disposition"] == (
        f'inline; filename="payoff-statement-{path.rsplit("/", 1)[1]}.pdf"')
    for text in (page_text(page), pdf_text(pdf.data)):
        assert f"Payoff statement no. {path.rsplit('/', 1)[1]}" in text
        assert "As of March 1, 2026, the balance due" in text
        assert "This payoff amount is valid through March 31, 2026" in text
        assert ("Charges billed $150.50 Reversed fills $0.00 Reductions -$10.00 "
                "Payments received -$20.00 Write-offs $0.00") in text
        assert "Balance due (payoff amount) $120.50" in text
        assert "Gabapentin 300 mg capsule, fill 1 $100.00" in text
        assert "Ketamine 10% cream, fill 1 $50.50" in text
        assert "-$20.00" in text and "VOID" not in text


def test_a_payoff_statement_voided_by_a_later_fill_is_stamped_void(app, billing, matter):
    path = statement(billing, matter.case_id)
    with app.app_context():
        factories.ledger_charge(matter.case_id, 2_500)
        db.session.commit()
    assert "VOID A fill or adjustment was posted" in page_text(billing.get(f"{path}.html"))
    text = pdf_text(billing.get(f"{path}.pdf").data)
    assert "VOID" in text and "Balance due (payoff amount) $150.50" in text


def test_a_payoff_statement_past_its_date_is_stamped_expired(billing, matter):
    path = statement(billing, matter.case_id)
    clock.freeze(ISSUED + timedelta(days=31))
    text = page_text(billing.get(f"{path}.html"))
    assert "EXPIRED This statement was valid through March 31, 2026" in text


def test_payoff_statement_letter_for_billing_and_the_firms_attorney_only(api_as, billing,
                                                                          matter):
    path = statement(billing, matter.case_id)
    own = api_as("attorney", matter.firm_id)
    assert own.get(f"{path}.pdf").status_code == 200
    assert api_as("attorney").get(f"{path}.html").status_code == 404
    assert api_as("pharmacist").get(f"{path}.html").status_code == 403
    missing = billing.get("/api/v1/payoff-statements/999999.pdf")
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"


def actions(app: Any, action: str) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.execute(
            sa.select(AuditEvent).where(AuditEvent.action == action)).scalars())


def test_letter_reads_are_audited_without_phi(app, billing, matter):
    path = statement(billing, matter.case_id)
    billing.get(f"{path}.html")
    billing.get(f"{path}.pdf")
    reads = actions(app, "payoff_statement.read")
    assert [e.details for e in reads] == [{"case_id": matter.case_id, "status": "valid"}] * 2
    billing.get(f"{unrecovered(billing, matter.case_id)}.pdf")
    assert [e.details for e in actions(app, "closing_letter.read")] == [
        {"case_id": matter.case_id}]


def test_a_reduced_payoff_is_accepted_in_full_satisfaction_as_reduced_by_agreement(billing,
                                                                                    matter):
    reduce(billing, matter.case_id, "final", "120.00")
    pay(billing, matter.case_id, "120.00")
    close(billing, matter.case_id, "paid")
    path = f"/api/v1/cases/{matter.case_id}/release-letter"
    for text in (page_text(billing.get(f"{path}.html")),
                 pdf_text(billing.get(f"{path}.pdf").data)):
        assert ("acknowledges receipt of $120.00 on January 11, 2026, which it has accepted in "
                "full satisfaction of its lien") in text
        assert "(billed $150.50), as reduced by agreement" in text
        assert "Amount paid $120.00" in text and "Date paid January 11, 2026" in text
        assert "Reductions -$30.50" in text and "Balance due $0.00" in text
        assert "paid in full" not in text


def test_a_lien_paid_in_full_is_released_as_paid_in_full(billing, matter):
    path = released(billing, matter.case_id)
    for text in (page_text(billing.get(f"{path}.html")),
                 pdf_text(billing.get(f"{path}.pdf").data)):
        assert "The lien is paid in full." in text
        assert "Amount paid $150.50" in text and "full satisfaction" not in text


def test_closing_letter_states_the_write_off_and_that_the_client_owes_nothing(billing, matter):
    pay(billing, matter.case_id, "0.50")
    path = unrecovered(billing, matter.case_id)
    for text in (page_text(billing.get(f"{path}.html")),
                 pdf_text(billing.get(f"{path}.pdf").data)):
        assert "Lien closed without recovery" in text
        assert f"The matter of {CLIENT} has closed without a recovery." in text
        assert "written off the remaining balance of $150.00" in text
        assert "Amount written off $150.00" in text
        assert ("Under the non-recourse terms of the lien agreement signed on February 28, 2026, "
                "the client owes nothing") in text
        assert "Payments received -$0.50 Write-offs -$150.00" in text


def test_closing_letter_says_the_client_owes_nothing_only_under_a_non_recourse_agreement(
        app, billing, matter):
    with app.app_context():
        cases.record_lien_agreement(None, matter.case_id, signed_on=clock.today(),
                                    patient_signed=True, non_recourse=False)
        db.session.commit()
    text = page_text(billing.get(f"{unrecovered(billing, matter.case_id)}.html"))
    assert "written off the remaining balance of $150.50" in text
    assert "owes nothing" not in text and "non-recourse" not in text


def test_closing_letter_is_issued_and_frozen_when_the_case_closes(app, billing, matter):
    closed = close(billing, matter.case_id, "no_recovery", "case dropped")
    assert closed["closing_letter"]["written_off"] == "150.50"
    assert closed["closing_letter"]["non_recourse"] is True
    assert closed["closing_letter"]["pdf_url"] == (
        f"/api/v1/cases/{matter.case_id}/closing-letter.pdf")
    clock.freeze(ISSUED + timedelta(days=45))
    text = page_text(billing.get(closed["closing_letter"]["html_url"]))
    assert "Closed March 1, 2026" in text and "April 15, 2026" not in text
    with app.app_context():
        stored = db.session.execute(sa.select(ClosingLetter)).scalar_one()
        assert (stored.case_id, stored.written_off_cents, stored.billed_cents) == (
            matter.case_id, 15_050, 15_050)


@pytest.mark.parametrize("outcome", [None, "paid"])
def test_closing_letter_of_a_case_not_closed_without_recovery_is_409(billing, matter, outcome):
    if outcome == "paid":
        released(billing, matter.case_id)
    for suffix in ("html", "pdf"):
        r = billing.get(f"/api/v1/cases/{matter.case_id}/closing-letter.{suffix}")
        assert r.status_code == 409 and r.json["code"] == "case_not_closed_without_recovery"


def test_closing_letter_for_billing_and_the_firms_attorney_only(api_as, billing, matter):
    path = unrecovered(billing, matter.case_id)
    assert api_as("attorney", matter.firm_id).get(f"{path}.pdf").status_code == 200
    assert api_as("attorney").get(f"{path}.pdf").status_code == 404
    assert api_as("technician").get(f"{path}.html").status_code == 403


@pytest.fixture
def w9(app: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> bytes:
    """A Form W-9 on file (LIENRX_W9_PATH)."""
    form = b"%PDF-1.4\n% the pharmacy's W-9\n%%EOF\n"
    (tmp_path / "w9.pdf").write_bytes(form)
    monkeypatch.setitem(app.config, "LIENRX_W9_PATH", str(tmp_path / "w9.pdf"))
    return form


def test_w9_downloads_for_billing_and_attorneys_when_configured(api_as, billing, w9):
    for reader in (billing, api_as("attorney")):
        r = reader.get("/api/v1/pharmacy/w9.pdf")
        assert (r.status_code, r.mimetype, r.data) == (200, "application/pdf", w9)
    assert api_as("pharmacist").get("/api/v1/pharmacy/w9.pdf").status_code == 403


def test_w9_not_configured_is_404_w9_not_on_file(billing):
    r = billing.get("/api/v1/pharmacy/w9.pdf")
    assert r.status_code == 404 and r.mimetype == "application/problem+json"
    assert r.json["code"] == "w9_not_on_file" and "W-9" in r.json["detail"]


def test_letters_point_to_the_w9_when_one_is_on_file(billing, matter, w9):
    remit = remit_block(billing.get(f"{statement(billing, matter.case_id)}.html"))
    assert "Our IRS Form W-9: <a href=\"http://localhost:8000/api/v1/pharmacy/w9.pdf\">" in remit
