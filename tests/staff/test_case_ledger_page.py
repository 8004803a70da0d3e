"""The staff case page shows one page of the lien ledger with the totals over all of it, links
to the pages around it, and a download of the whole ledger as CSV."""

from __future__ import annotations

from typing import Any

from lienrx.extensions import db
from tests import factories
from tests.staff.conftest import text


def charges(app: Any, case_id: int, count: int) -> None:
    with app.app_context():
        for i in range(count):
            factories.ledger_charge(case_id, 1000 + i, memo=f"Fill {i + 1}")
        db.session.commit()


def test_case_page_shows_a_page_of_the_ledger_with_its_totals(app, staff, world):
    charges(app, world.case_id, 120)
    desk = staff("billing")
    first = desk.get(f"/staff/cases/{world.case_id}")
    page = text(first)
    assert "Showing 1–50 of 120 entries" in page
    assert "Fill 50 " in page and "Fill 51 " not in page
    assert "Charges $1,271.40 · reversals $0.00" in page  # over all 120 entries
    html = first.get_data(as_text=True)
    assert f'href="/staff/cases/{world.case_id}?ledger_page=2#h-ledger"' in html
    assert f'href="/api/v1/cases/{world.case_id}/ledger.csv"' in html
    assert "Download the full ledger (CSV)" in page

    second = text(desk.get(f"/staff/cases/{world.case_id}?ledger_page=2"))
    assert "Showing 51–100 of 120 entries" in second and "Fill 51 " in second
    assert "Fill 50 " not in second and "Previous" in second and "Next" in second
    assert "Balance $1,271.40" in second


def test_the_case_pages_csv_link_downloads_the_whole_ledger(app, staff, world):
    charges(app, world.case_id, 60)
    response = staff("pharmacist").get(f"/api/v1/cases/{world.case_id}/ledger.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.get_data(as_text=True).count("\n") == 61


def test_a_bad_ledger_page_shows_the_first(app, staff, world):
    charges(app, world.case_id, 3)
    page = text(staff("billing").get(f"/staff/cases/{world.case_id}?ledger_page=nope"))
    assert "Showing 1–3 of 3 entries" in page
