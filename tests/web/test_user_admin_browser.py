"""User administration in a real browser, on a desk screen (1366 px) and a phone (375 px):
an admin creates an attorney, changes the role, resets the password and deactivates."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from lienrx.extensions import db
from tests import factories

pytestmark = pytest.mark.browser

OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"
NEW_PASSWORD = "violet harbour lantern 42"


@pytest.fixture
def admin_email(app):
    with app.app_context():
        factories.law_firm("Hollis & Marsh LLP")
        admin = factories.user("admin", name="Ada Admin")
        db.session.commit()
        return admin.email


@pytest.mark.parametrize("width", [1366, 375])
def test_admin_creates_an_attorney_changes_role_resets_password_and_deactivates(
        page, live_server, admin_email, artifacts, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server}/login")
    page.get_by_label("E-mail").fill(admin_email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server}/staff/")

    page.get_by_role("navigation", name="Staff").get_by_role("link", name="Users").click()
    page.wait_for_url(f"{live_server}/staff/users")
    assert page.evaluate(OVERFLOW) <= 0
    page.get_by_role("link", name="New user").click()

    email = f"nora{width}@kline.test"
    page.get_by_label("Name").fill("Nora Vega")
    page.get_by_label("E-mail").fill(email)
    page.get_by_role("combobox", name="Role").select_option(label="Attorney")
    page.get_by_role("button", name="Create user").click()
    # no firm chosen and no password: both errors beside their fields
    summary = page.get_by_role("alert").inner_text()
    assert "Law firm: Attorneys belong to a law firm." in summary
    expect(page.locator("#f-law_firm_id-error")).to_be_visible()
    page.get_by_role("combobox", name="Law firm").select_option(label="Hollis & Marsh LLP")
    page.get_by_label("Password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Create user").click()
    page.wait_for_url(f"{live_server}/staff/users/*")
    assert page.locator("#user-role").inner_text() == "Attorney"
    assert page.locator("#user-firm").inner_text() == "Hollis & Marsh LLP"
    assert page.locator("#user-last-sign-in").inner_text() == "never"
    assert page.evaluate(OVERFLOW) <= 0
    page.screenshot(path=str(artifacts / f"staff-user-{width}.png"), full_page=True)

    page.get_by_role("combobox", name="Role").select_option(label="Billing")
    page.get_by_role("combobox", name="Law firm").select_option(label="None (staff)")
    page.get_by_role("button", name="Change role").click()
    expect(page.get_by_text("Nora Vega is now Billing; their sessions and tokens")).to_be_visible()
    assert page.locator("#user-role").inner_text() == "Billing"

    page.get_by_label("New password").fill("short")
    page.get_by_role("button", name="Set new password").click()
    assert "New password: Use at least 12 characters." in page.get_by_role("alert").inner_text()
    page.get_by_label("New password").fill(NEW_PASSWORD + " two")
    page.get_by_role("button", name="Set new password").click()
    expect(page.get_by_text("New password set for Nora Vega")).to_be_visible()

    page.get_by_role("link", name="Deactivate Nora Vega…").click()
    expect(page.get_by_text("can no longer sign in, on the pages or over the API")).to_be_visible()
    assert page.locator("#user-state").inner_text() == "active"
    page.get_by_role("button", name="Deactivate Nora Vega").click()
    expect(page.get_by_text("Nora Vega is deactivated")).to_be_visible()
    assert page.locator("#user-state").inner_text() == "deactivated"
    assert page.evaluate(OVERFLOW) <= 0

    page.goto(f"{live_server}/staff/users?q={email}")
    row = page.get_by_role("row", name="Nora Vega")
    assert "deactivated" in row.inner_text() and "Billing" in row.inner_text()
