"""The portal's letters (SPEC §7.7): the case page links every letter the case has; each opens
standalone, the way back and its PDF outside the letter, and downloads as a PDF."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from lienrx.core import clock
from lienrx.extensions import db
from lienrx.settlement import payoff
from lienrx.settlement import services as settlement
from tests import factories
from tests.portal.conftest import Book


def links(html: str) -> set[str]:
    return set(re.findall(r'href="([^"]+)"', html))


def issue_statement(app, case_id: int) -> int:
    with app.app_context():
        statement = payoff.issue_statement(factories.user("billing"), case_id)
        db.session.commit()
        return statement.id


def close(app, case_id: int, outcome: str) -> None:
    with app.app_context():
        billing = factories.user("billing")
        if outcome == "paid":
            settlement.record_payment(billing, case_id, amount=10_500,
                                      received_on=clock.today(), reference="CHK 7")
        settlement.close_case(billing, case_id, outcome=outcome)
        db.session.commit()


@pytest.fixture
def w9(app, tmp_path, monkeypatch) -> bytes:
    form = b"%PDF-1.4\n% the pharmacy's W-9\n%%EOF\n"
    (tmp_path / "w9.pdf").write_bytes(form)
    monkeypatch.setitem(app.config, "LIENRX_W9_PATH", str(tmp_path / "w9.pdf"))
    return form


def test_case_page_links_every_letter_of_the_case(app, counsel, book: Book, w9):
    statement_id = issue_statement(app, book.case_id)
    close(app, book.case_id, "paid")
    found = links(counsel.get(f"/portal/cases/{book.case_id}").get_data(as_text=True))
    base = f"/portal/cases/{book.case_id}"
    assert {f"{base}/payoff-statements/{statement_id}",
            f"{base}/payoff-statements/{statement_id}.pdf",
            f"{base}/release-letter.html", f"{base}/release-letter.pdf",
            "/portal/w9.pdf"} <= found
    assert f"{base}/closing-letter.html" not in found


def test_case_closed_without_recovery_links_its_closing_letter(app, counsel, book: Book):
    close(app, book.case_id, "no_recovery")
    found = links(counsel.get(f"/portal/cases/{book.case_id}").get_data(as_text=True))
    base = f"/portal/cases/{book.case_id}"
    assert {f"{base}/closing-letter.html", f"{base}/closing-letter.pdf"} <= found
    assert f"{base}/release-letter.pdf" not in found and "/portal/w9.pdf" not in found
    pdf = counsel.get(f"{base}/closing-letter.pdf")
    assert pdf.status_code == 200
    assert pdf.headers["Content-Disposition"] == (
        f'attachment; filename="closing-letter-case-{book.case_id}.pdf"')
    text = " ".join(PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text().split())
    assert "closed without a recovery" in text and book.client_name in text


def test_a_letter_opens_standalone_with_the_portal_navigation_outside_it(app, counsel, book):
    close(app, book.case_id, "paid")
    page = counsel.get(f"/portal/cases/{book.case_id}/release-letter.html")
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    html = page.get_data(as_text=True)
    nav, letter = html.index('<nav class="letter-nav"'), html.index('<article class="letter">')
    assert nav < html.index("</nav>") < letter
    assert links(html[nav:letter]) == {f"/portal/cases/{book.case_id}#documents",
                                       f"/portal/cases/{book.case_id}/release-letter.pdf"}
    assert "Sign out" not in html and "Lien satisfaction and release" in html


def test_payoff_statement_downloads_as_a_pdf_letter(app, counsel, book: Book):
    statement_id = issue_statement(app, book.case_id)
    pdf = counsel.get(f"/portal/cases/{book.case_id}/payoff-statements/{statement_id}.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    text = " ".join(PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text().split())
    assert f"Payoff statement no. {statement_id}" in text and "$105.00" in text


def test_a_statement_is_shown_only_under_its_own_case(app, counsel, book: Book):
    with app.app_context():
        firm = db.session.get(factories.LawFirm, book.firm_id)
        sibling = factories.case(firm).id
        db.session.commit()
    statement_id = issue_statement(app, book.case_id)
    assert counsel.get(f"/portal/cases/{sibling}/payoff-statements/{statement_id}"
                       ).status_code == 404
    assert counsel.get(f"/portal/cases/{sibling}/payoff-statements/{statement_id}.pdf"
                       ).status_code == 404


def test_w9_downloads_from_the_portal_when_configured(counsel, w9):
    r = counsel.get("/portal/w9.pdf")
    assert (r.status_code, r.data) == (200, w9)
    assert r.headers["Content-Disposition"] == 'attachment; filename="w9.pdf"'


def test_w9_not_configured_is_404_in_the_portal(counsel):
    assert counsel.get("/portal/w9.pdf").status_code == 404
