"""Signing in and out in a real browser."""

import pytest
from playwright.sync_api import expect

from lienrx.extensions import db
from tests import factories

pytestmark = pytest.mark.browser


@pytest.fixture
def accounts(app):
    with app.app_context():
        factories.user("billing", email="desk@example.test")
        factories.user("attorney", email="counsel@example.test")
        db.session.commit()


def test_staff_sign_in_and_out(page, live_server, accounts, artifacts):
    page.goto(f"{live_server}/staff/")
    assert page.url.startswith(f"{live_server}/login")
    page.get_by_label("E-mail").fill("desk@example.test")
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server}/staff/")
    expect(page.get_by_role("heading", name="Work queue")).to_be_visible()
    page.set_viewport_size({"width": 375, "height": 740})
    page.screenshot(path=str(artifacts / "staff-home-375.png"), full_page=True)
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{live_server}/login")
    expect(page.get_by_text("You are signed out.")).to_be_visible()


def test_attorney_lands_on_portal(page, live_server, accounts):
    page.goto(f"{live_server}/login")
    page.get_by_label("E-mail").fill("counsel@example.test")
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server}/portal/")


def test_wrong_password_shows_the_error(page, live_server, accounts):
    page.goto(f"{live_server}/login")
    page.get_by_label("E-mail").fill("desk@example.test")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    assert "The e-mail or password is wrong." in page.get_by_role("alert").inner_text()
