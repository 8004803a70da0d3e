"""The billing board and the portal summary in a real browser: the charts render as SVG bars
under the strict CSP, with their text alternatives."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from lienrx.core import clock
from lienrx.extensions import db
from tests import factories

pytestmark = pytest.mark.browser


def _sign_in(page, live_server, email, landing):
    page.goto(f"{live_server}/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    page.goto(f"{live_server}{landing}")


@pytest.fixture
def books(app):
    with app.app_context():
        firm = factories.law_firm("Fir & Partners")
        attorney = factories.user("attorney", firm_id=firm.id)
        billing = factories.user("billing")
        for days, cents in ((10, 12000), (150, 8000), (400, 30000)):
            case = factories.case(firm)
            factories.ledger_charge(case.id, cents,
                                    occurred_on=clock.today() - timedelta(days=days))
        db.session.commit()
        return billing.email, attorney.email



def test_the_billing_board_draws_its_charts(page, live_server, books, artifacts):
    refused = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else 0)
    _sign_in(page, live_server, books[0], "/staff/")
    page.get_by_role("link", name="Billing board").click()
    page.wait_for_url(f"{live_server}/staff/billing/board")

    by_firm = page.locator("svg#chart-by-firm")
    assert by_firm.get_attribute("role") == "img"
    assert page.locator("#chart-by-firm-title").text_content() == \
        "Owed balance by law firm and age bucket"
    bars = by_firm.locator("rect.bar")
    assert bars.count() >= 3
    box = bars.first.bounding_box()
    assert box is not None and box["width"] > 0 and box["height"] > 0
    # the bucket colours come from charts.css, not the default black fill
    fill = bars.first.evaluate("el => getComputedStyle(el).fill")
    assert fill not in ("rgb(0, 0, 0)", "none")
    assert page.locator("svg#chart-by-bucket rect.bar").count() == 3
    expect(page.get_by_role("link", name="Download workbook (xlsx)")).to_be_visible()
    assert refused == []
    page.screenshot(path=str(artifacts / "billing-board.png"), full_page=True)


def test_the_portal_summary_shows_its_chart(page, live_server, books, artifacts):
    _sign_in(page, live_server, books[1], "/portal/")
    page.get_by_role("link", name="Summary").click()
    page.wait_for_url(f"{live_server}/portal/summary")

    chart = page.locator("svg#chart-firm-aging")
    assert chart.locator("rect.bar").count() == 3
    assert chart.locator("rect.bar").first.bounding_box()["width"] > 0
    assert page.locator("#firm-balance").inner_text() == "$500.00"
    page.screenshot(path=str(artifacts / "portal-summary.png"), full_page=True)
