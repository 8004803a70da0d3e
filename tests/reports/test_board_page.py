"""The billing board page (SPEC §7.8): aging table with totals and charts, limitation risk,
quiet liens, the workbook; billing and admin only; the suit-filed form on the case page."""

import io
import re
from datetime import timedelta

from openpyxl import load_workbook

from lienrx.core import clock
from lienrx.extensions import db
from tests import factories
from tests.staff.conftest import text
from tests.staff.test_intake_pages import error_of

BOARD = "/staff/billing/board"


def _books(app):
    with app.app_context():
        firm = factories.law_firm("Cedar Law")
        case = factories.case(firm, jurisdiction="WY", firm_file_number="CED-1")
        factories.ledger_charge(case.id, 25000, occurred_on=clock.today() - timedelta(days=200))
        db.session.commit()
        return case.id


def test_the_board_shows_the_aging_with_totals_charts_and_lists(app, staff):
    case_id = _books(app)
    page = staff("billing").get(BOARD)

    assert page.status_code == 200
    body = page.get_data(as_text=True)
    shown = text(page)
    assert re.search(r"Cedar Law \$0\.00 \$0\.00 \$250\.00 \$0\.00 \$0\.00 \$250\.00", shown)
    assert "Total" in shown
    assert body.count('<svg class="chart"') == 2
    assert 'class="bar bucket-2"' in body  # the 181-365 bucket's bar
    assert "<title id=\"chart-by-firm-title\">" in body
    assert f"Case {case_id}" in shown and "period unknown" in shown  # WY: no seeded period
    assert "style=" not in body  # the CSP allows no inline style
    assert 'href="/staff/billing/board.xlsx' in body


def test_a_bad_as_of_shows_its_error_beside_the_field(app, staff):
    page = staff("admin").get(f"{BOARD}?as_of=31-12-2026")

    assert page.status_code == 422
    assert error_of(page, "as_of")


def test_the_board_workbook_downloads(app, staff):
    _books(app)
    answer = staff("billing").get(f"{BOARD}.xlsx")

    assert answer.status_code == 200
    rows = list(load_workbook(io.BytesIO(answer.data))["Aging"].iter_rows(values_only=True))
    assert ("Cedar Law", 250) in [(r[1], r[-1]) for r in rows]


def test_pharmacists_and_technicians_do_not_see_the_board(app, staff):
    for role in ("pharmacist", "technician"):
        assert staff(role).get(BOARD).status_code == 403


def test_billing_records_a_suit_filing_on_the_case_page(app, staff):
    case_id = _books(app)
    billing = staff("billing")
    billing.get(f"/staff/cases/{case_id}")

    refused = billing.post(f"/staff/cases/{case_id}/suit-filed",
                           data={"suit_filed_on": (clock.today() + timedelta(1)).isoformat()})
    assert refused.status_code == 422
    assert error_of(refused, "suit_filed_on") == "The filing date is in the future."
    done = billing.post(f"/staff/cases/{case_id}/suit-filed",
                        data={"suit_filed_on": clock.today().isoformat()}, follow_redirects=True)
    assert done.status_code == 200
    assert f"Suit filed {clock.today().isoformat()}" in text(done)
    assert f"Case {case_id}" not in text(billing.get(BOARD))


def test_the_board_lists_a_quiet_lien_with_its_days(app, staff):
    clock.freeze(clock.utcnow() - timedelta(days=50))
    case_id = _books(app)  # opened 50 days ago, never filled
    clock.freeze(None)

    shown = text(staff("billing").get(BOARD))

    assert re.search(rf"Quiet liens \(\d+\).*Case {case_id} · CED-1 Cedar Law never filled 50",
                     shown)
