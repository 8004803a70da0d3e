"""The attorney portal in a real browser on a phone-sized screen (375 px)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.portal.conftest import build_book

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 740}
UNLABELLED = """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
  .filter(el => el.labels.length === 0 && !el.getAttribute('aria-label'))
  .map(el => el.name)"""
NAMELESS_BUTTONS = """() => [...document.querySelectorAll('button, a[href]')]
  .filter(el => !el.textContent.trim() && !el.getAttribute('aria-label')).length"""
OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"


@pytest.fixture
def book(app, world):
    return build_book(app, world)


def check_page_is_usable(page) -> None:
    """Every control labelled, every button named, nothing wider than the phone."""
    assert page.evaluate(UNLABELLED) == []
    assert page.evaluate(NAMELESS_BUTTONS) == 0
    assert page.evaluate(OVERFLOW) <= 0


def test_attorney_on_a_phone_finds_a_case_downloads_requests_and_signs_out(
        page, live_server, book, artifacts):
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server}/portal/")
    assert page.url.startswith(f"{live_server}/login?next=/portal/")
    page.get_by_label("E-mail").fill(book.attorney_email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server}/portal/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    check_page_is_usable(page)

    # click 1: search; click 2: open the case — balance, fills and the signed POGOS are there
    page.get_by_label("Client name or file number").fill(book.client_name.split()[-1])
    page.get_by_label("Client name or file number").press("Enter")
    page.get_by_role("link", name=book.client_name, exact=True).click()
    page.wait_for_url(f"{live_server}/portal/cases/{book.case_id}")
    expect(page.get_by_role("heading", name=book.client_name)).to_be_visible()
    assert page.locator(".balance").inner_text() == "$105.00"
    assert page.locator("#fills tbody tr").count() == 2
    check_page_is_usable(page)
    page.screenshot(path=str(artifacts / "portal-case-375.png"), full_page=True)

    # click 3: the signed POGOS as a PDF
    with page.expect_download() as download:
        page.get_by_role("link", name="Download POGOS PDF").click()
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(4) == b"%PDF"

    page.get_by_role("button", name="Request a payoff statement").click()
    page.wait_for_url(f"{live_server}/portal/cases/{book.case_id}/payoff-statements/*")
    expect(page.get_by_text("Valid through")).to_be_visible()
    assert page.locator(".balance").inner_text() == "$105.00"
    page.get_by_role("link", name="Back to").click()

    page.get_by_label("A percent of the balance").check()
    page.get_by_label("Amount or percent").fill("10")
    page.get_by_label("Reason").fill("Limited policy; client hardship")
    page.get_by_role("button", name="Send reduction request").click()
    expect(page.get_by_role("status").filter(has_text="Reduction request RR-")).to_be_visible()
    assert page.locator(".badge-pending").count() == 1

    # a form without its CSRF token is refused
    page.evaluate("document.querySelector('form[action$=\"payoff-statements\"] "
                  "input[name=csrf_token]').remove()")
    page.get_by_role("button", name="Request a payoff statement").click()
    expect(page.get_by_role("heading", name="This form has expired")).to_be_visible()

    # another firm's case is a 404
    response = page.goto(f"{live_server}/portal/cases/{book.other_case_id}")
    assert response.status == 404

    page.goto(f"{live_server}/portal/")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{live_server}/login")
    expect(page.get_by_text("You are signed out.")).to_be_visible()
    assert page.goto(f"{live_server}/portal/cases/{book.case_id}").url.startswith(
        f"{live_server}/login")
