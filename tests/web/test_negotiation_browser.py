"""SPEC §7.8 in a real browser: the attorney files, billing counters, the attorney counters,
billing accepts — both sides see every step, and the ledger shows one reduction."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from lienrx.extensions import db
from tests import factories
from tests.portal.conftest import build_book

pytestmark = pytest.mark.browser


@pytest.fixture
def book(app, world):
    return build_book(app, world)


@pytest.fixture
def clerk_email(app):
    with app.app_context():
        email = factories.user("billing").email
        db.session.commit()
    return email


def sign_in(page, live_server, email, landing):
    page.goto(f"{live_server}/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server}{landing}")


def steps(page, number):
    """The thread of request ``number`` as text, one step per item."""
    thread = page.get_by_role("list", name=f"Negotiation of {number}").first
    return [" ".join(item.split()) for item in thread.locator("li").all_inner_texts()]


def test_attorney_and_billing_negotiate_to_one_reduction(page, browser, live_server, book,
                                                        clerk_email, artifacts):
    attorney = page
    case_url = f"/portal/cases/{book.case_id}"
    sign_in(attorney, live_server, book.attorney_email, "/portal/")
    attorney.goto(f"{live_server}{case_url}")
    attorney.get_by_label("Amount or percent").fill("30.00")
    attorney.get_by_label("Reason").fill("Policy limits")
    attorney.get_by_role("button", name="Send reduction request").click()
    notice = attorney.get_by_role("status").filter(has_text="Reduction request RR-").inner_text()
    number = re.search(r"RR-\d{4}-\d{6}", notice).group(0)
    request_id = int(number[-6:])

    desk = browser.new_context().new_page()
    try:
        sign_in(desk, live_server, clerk_email, "/staff/")
        desk.goto(f"{live_server}/staff/billing/")
        desk.locator(f"#f-rr{request_id}-decision").select_option("counter")
        desk.locator(f"#f-rr{request_id}-value").fill("20.00")
        desk.locator(f"#f-rr{request_id}-note").fill("Twenty is what we can do.")
        desk.get_by_role("button", name=f"Answer {number}").click()
        expect(desk.get_by_text(f"Request {number} countered.")).to_be_visible()

        attorney.goto(f"{live_server}{case_url}")
        attorney.get_by_label("Counter amount").fill("20.00")  # billing's offer: accept it
        attorney.get_by_role("button", name="Send counter").click()
        assert attorney.locator(f"#f-rr{request_id}-amount-error").inner_text().startswith(
            "A counter differs from the offer on the table")
        attorney.locator("#reduction").screenshot(path=str(artifacts / "portal-counter.png"))
        attorney.get_by_label("Counter amount").fill("$25.00")
        attorney.get_by_label("Note to billing").fill("Meet us at 25.")
        attorney.get_by_role("button", name="Send counter").click()
        expect(attorney.get_by_text("countered; billing will answer it here")).to_be_visible()

        desk.goto(f"{live_server}/staff/billing/")
        expect(desk.get_by_text("On the table: the firm's counter of $25.00")).to_be_visible()
        desk.locator(f"#f-rr{request_id}-decision").select_option("accept")
        desk.get_by_role("button", name=f"Answer {number}").click()
        expect(desk.get_by_text(f"Request {number} accepted.")).to_be_visible()

        desk.goto(f"{live_server}/staff/billing/cases/{book.case_id}")
        billing_side = steps(desk, number)
        attorney.goto(f"{live_server}{case_url}")
        attorney_side = steps(attorney, number)
        for thread in (billing_side, attorney_side):
            assert [re.sub(r" \(.*?\)| · \d{4}-\d\d-\d\d \d\d:\d\d \w+", "", s)
                    for s in thread] == [
                "Firm asked for $30.00",
                "Billing countered with $20.00 · “Twenty is what we can do.”",
                "Firm countered with $25.00 · “Meet us at 25.”",
                "Billing accepted, posting $25.00"]
        assert attorney.locator(".badge-accepted").count() == 1
        assert attorney.get_by_role("button", name=re.compile("Accept counter")).count() == 0
        ledger = attorney.locator("#ledger tbody tr").all_inner_texts()
        assert len([row for row in ledger if "reduction" in row]) == 1
        assert attorney.locator(".balance").inner_text() == "$80.00"
        attorney.screenshot(path=str(artifacts / "portal-negotiation.png"), full_page=True)
    finally:
        desk.context.close()
