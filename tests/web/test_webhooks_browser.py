"""The portal's webhooks page in a real browser on a phone-sized screen (375 px)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.portal.conftest import build_book
from tests.web.test_portal_browser import PHONE, check_page_is_usable

pytestmark = pytest.mark.browser


@pytest.fixture
def book(app, world):
    return build_book(app, world)


def test_attorney_on_a_phone_adds_a_webhook_keeps_its_secret_and_deletes_it(
        page, live_server, book, artifacts):
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server}/login")
    page.get_by_label("E-mail").fill(book.attorney_email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server}/portal/")
    page.get_by_role("link", name="Webhooks").click()
    page.wait_for_url(f"{live_server}/portal/webhooks")
    check_page_is_usable(page)

    page.get_by_label("URL").fill("ftp://cms.example/hooks")
    page.get_by_role("button", name="Add webhook").click()
    expect(page.get_by_role("alert")).to_contain_text("Events: Choose at least one event.")
    expect(page.get_by_role("alert")).to_contain_text("URL: Use an http:// or https:// URL.")

    url = "https://cms.cumberland-law.example/hooks/lienrx/a-rather-long-path-for-a-phone"
    page.get_by_label("URL").fill(url)
    page.get_by_label("A new fill is dispensed").check()
    page.get_by_label("A case is closed").check()
    page.get_by_role("button", name="Add webhook").click()
    expect(page.get_by_role("heading", name="Webhook added: store its secret now")).to_be_visible()
    assert re.fullmatch(r"[0-9a-f]{64}", page.locator("code.secret").inner_text())
    check_page_is_usable(page)
    page.screenshot(path=str(artifacts / "portal-webhooks-375.png"), full_page=True)

    page.get_by_role("button", name=f"Delete the webhook to {url}").click()
    expect(page.get_by_text("No webhooks yet.")).to_be_visible()
    assert page.locator("code.secret").count() == 0
