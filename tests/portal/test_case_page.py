"""One case: what it shows, its downloads and requests, its audit trail and its firm scope."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
import sqlalchemy as sa

from lienrx.audit.models import AuditEvent
from lienrx.auth.models import User
from lienrx.core import clock
from lienrx.extensions import db
from lienrx.settlement import services as settlement
from lienrx.settlement.letters import long_date
from tests import factories
from tests.portal.conftest import csrf_token


def actions(app, action: str) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.execute(
            sa.select(AuditEvent).where(AuditEvent.action == action)).scalars())


def test_case_page_shows_diagnoses_mechanism_treatments_fills_ledger_and_documents(counsel,
                                                                                   book):
    html = counsel.get(f"/portal/cases/{book.case_id}").get_data(as_text=True)
    assert book.client_name in html and "$105.00" in html
    assert "G90.511" in html and "CRPS I, right upper limb" in html and "Motor vehicle" in html
    assert "IV ketamine infusion at Music City Infusion Center" in html
    assert html.count("Gabapentin 300 mg capsule (fill") == 2
    assert "+$52.50</td><td class=\"num\">$52.50" in html  # running balance after fill 1
    assert "+$52.50</td><td class=\"num\">$105.00" in html  # and after fill 2
    assert "Signed POGOS, version 1" in html and "Download POGOS PDF" in html
    assert "Download custodian certificate" in html
    assert "release letter" not in html  # only once the case closes paid


def test_every_case_page_view_is_an_audit_event(app, counsel, book):
    counsel.get(f"/portal/cases/{book.case_id}")
    counsel.get(f"/portal/cases/{book.case_id}")
    reads = actions(app, "case.read")
    assert [e.entity_id for e in reads] == [str(book.case_id)] * 2
    assert all(e.details == {} for e in reads)  # no PHI in the trail


PORTAL_GETS = ("/portal/cases/{id}", "/portal/cases/{id}/pogos.html",
               "/portal/cases/{id}/pogos.pdf", "/portal/cases/{id}/custodian-certificate.pdf",
               "/portal/cases/{id}/release-letter.pdf", "/portal/cases/{id}/release-letter.html",
               "/portal/cases/{id}/closing-letter.pdf", "/portal/cases/{id}/closing-letter.html",
               "/portal/cases/{id}/payoff-statements/1",
               "/portal/cases/{id}/payoff-statements/1.pdf", "/portal/cases/{id}/ledger.csv")
PORTAL_POSTS = ("/portal/cases/{id}/payoff-statements", "/portal/cases/{id}/reduction-requests")


def test_another_firms_case_is_404_on_every_portal_page(app, counsel, book):
    for path in PORTAL_GETS:
        response = counsel.get(path.format(id=book.other_case_id))
        assert response.status_code == 404, path
    token = csrf_token(counsel.get(f"/portal/cases/{book.case_id}").get_data(as_text=True))
    for path in PORTAL_POSTS:
        response = counsel.post(path.format(id=book.other_case_id),
                                data={"csrf_token": token, "method": "amount", "value": "1",
                                      "reason": "x"})
        assert response.status_code == 404, path
    assert counsel.get("/portal/cases/2147483648").status_code == 404  # beyond any id


def test_another_firms_payoff_statement_is_404_under_own_case(app, counsel, book):
    with app.app_context():
        billing = factories.user("billing")
        from lienrx.settlement import payoff

        theirs = payoff.issue_statement(billing, book.other_case_id)
        db.session.commit()
        statement_id = theirs.id
    assert counsel.get(f"/portal/cases/{book.case_id}/payoff-statements/{statement_id}"
                       ).status_code == 404


def test_case_page_shows_a_page_of_the_ledger_with_its_totals_and_running_balance(
        app, counsel, book):
    with app.app_context():
        for i in range(60):  # after the two fills of 52.50
            factories.ledger_charge(book.case_id, 100, memo=f"Charge {i + 1}")
        db.session.commit()
    first = counsel.get(f"/portal/cases/{book.case_id}").get_data(as_text=True)
    assert "Entries 1–50 of 62" in first and "Charge 48<" in first and "Charge 49<" not in first
    assert "Charges $165.00 · reversals $0.00" in first  # over the whole ledger
    assert "$165.00" in first  # the lien balance
    assert (f'href="/portal/cases/{book.case_id}?ledger_page=2#ledger" rel="next">'
            "Next entries</a>") in first
    assert f'href="/portal/cases/{book.case_id}/ledger.csv"' in first
    assert "Download the full ledger (CSV)" in first
    second = counsel.get(f"/portal/cases/{book.case_id}?ledger_page=2").get_data(as_text=True)
    assert "Entries 51–62 of 62" in second and "Charge 49<" in second
    assert "+$1.00</td><td class=\"num\">$154.00" in second  # the balance after entry 51
    assert "Previous entries" in second and "Next entries" not in second
    beyond = counsel.get(f"/portal/cases/{book.case_id}?ledger_page=5").get_data(as_text=True)
    assert "Nothing on page 5; 62 entries in all" in beyond


def test_ledger_downloads_whole_as_csv(app, counsel, book):
    response = counsel.get(f"/portal/cases/{book.case_id}/ledger.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="ledger-case-{book.case_id}.csv"')
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["Entry ID", "Date", "Kind", "Memo", "Amount", "Balance", "Posted at",
                       "Dispense ID"]
    assert [row[5] for row in rows[1:]] == ["52.50", "105.00"]


def test_pogos_downloads_as_pdf_and_opens_as_html(app, counsel, book):
    pdf = counsel.get(f"/portal/cases/{book.case_id}/pogos.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF")
    assert 'attachment; filename="pogos-case-' in pdf.headers["Content-Disposition"]
    page = counsel.get(f"/portal/cases/{book.case_id}/pogos.html")
    assert page.status_code == 200 and "POGOS" in page.get_data(as_text=True)
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    assert len(actions(app, "attestation.rendered")) == 2


def test_pogos_not_yet_signed_is_404(app, counsel, book):
    with app.app_context():
        firm = db.session.get(factories.LawFirm, book.firm_id)
        unsigned = factories.case(firm).id
        db.session.commit()
    assert counsel.get(f"/portal/cases/{unsigned}/pogos.pdf").status_code == 404
    html = counsel.get(f"/portal/cases/{unsigned}").get_data(as_text=True)
    assert "No POGOS has been signed for this case yet." in html


def test_custodian_certificate_downloads_as_pdf(counsel, book):
    response = counsel.get(f"/portal/cases/{book.case_id}/custodian-certificate.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")


def test_request_payoff_with_one_click_shows_the_payoff_letter(app, counsel, book):
    token = csrf_token(counsel.get(f"/portal/cases/{book.case_id}").get_data(as_text=True))
    response = counsel.post(f"/portal/cases/{book.case_id}/payoff-statements",
                            data={"csrf_token": token})
    assert response.status_code == 302
    letter = counsel.get(response.headers["Location"])
    assert "default-src 'none'" in letter.headers["Content-Security-Policy"]
    page = " ".join(letter.get_data(as_text=True).split())
    valid_through = clock.today() + timedelta(days=30)
    assert f"valid through <strong>{long_date(valid_through)}</strong>" in page
    assert '<td class="num balance">$105.00</td>' in page and "VOID" not in page
    assert "Sign out" not in page  # the portal's navigation stays outside the letter
    case_page = counsel.get(f"/portal/cases/{book.case_id}").get_data(as_text=True)
    assert f"valid through {valid_through}" in case_page
    assert len(actions(app, "payoff_statement.issued")) == 1
    assert len(actions(app, "payoff_statement.read")) == 1


def test_a_ledger_entry_after_the_statement_shows_it_void(app, counsel, book):
    token = csrf_token(counsel.get(f"/portal/cases/{book.case_id}").get_data(as_text=True))
    location = counsel.post(f"/portal/cases/{book.case_id}/payoff-statements",
                            data={"csrf_token": token}).headers["Location"]
    with app.app_context():
        factories.ledger_charge(book.case_id, 2_500)
        db.session.commit()
    assert '<strong>VOID</strong>' in counsel.get(location).get_data(as_text=True)
    assert "badge-void" in counsel.get(f"/portal/cases/{book.case_id}").get_data(as_text=True)


def closed_paid(app, case_id: int) -> None:
    with app.app_context():
        billing = factories.user("billing")
        settlement.record_payment(billing, case_id, amount=10_500, received_on=clock.today(),
                                  reference="CHK 1001")
        settlement.close_case(billing, case_id, outcome="paid")
        db.session.commit()


def test_release_letter_downloads_once_the_case_closes(app, counsel, book):
    assert counsel.get(f"/portal/cases/{book.case_id}/release-letter.pdf").status_code == 404
    closed_paid(app, book.case_id)
    html = counsel.get(f"/portal/cases/{book.case_id}").get_data(as_text=True)
    assert "Download lien release letter" in html
    assert "Request a payoff statement" not in html and "Request a reduction" not in html
    letter = counsel.get(f"/portal/cases/{book.case_id}/release-letter.pdf")
    assert letter.status_code == 200 and letter.data.startswith(b"%PDF")


def test_payoff_on_a_closed_case_is_refused_with_a_message(app, counsel, book):
    token = csrf_token(counsel.get(f"/portal/cases/{book.case_id}").get_data(as_text=True))
    closed_paid(app, book.case_id)
    response = counsel.post(f"/portal/cases/{book.case_id}/payoff-statements",
                            data={"csrf_token": token}, follow_redirects=True)
    assert response.status_code == 200
    assert "The case is closed" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/portal/cases/{id}/payoff-statements",
                                  "/portal/cases/{id}/reduction-requests",
                                  "/portal/notifications/read", "/logout"])
def test_a_form_without_its_csrf_token_is_refused(app, counsel, book, path):
    response = counsel.post(path.format(id=book.case_id),
                            data={"method": "amount", "value": "10.00", "reason": "x"})
    assert response.status_code == 400
    assert actions(app, "payoff_statement.issued") == []
    assert actions(app, "reduction_request.filed") == []
    assert counsel.get("/portal/").status_code == 200  # still signed in


def test_a_deactivated_attorney_is_signed_out(app, counsel, book):
    with app.app_context():
        user = db.session.execute(sa.select(User).where(User.email == book.attorney_email)
                                  ).scalar_one()
        user.active = False
        db.session.commit()
    assert counsel.get(f"/portal/cases/{book.case_id}").status_code == 302
