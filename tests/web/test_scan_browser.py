"""Scanning in a real browser, on a desk screen and on a phone: a pharmacist scans a package
on the receiving page and on the dispense form; the scanner's Enter fills NDC, lot and expiry
(with static/scan.js under the strict CSP, and without JavaScript too)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from lienrx.core import clock
from lienrx.extensions import db
from tests import factories
from tests.dispensing.conftest import counter  # noqa: F401
from tests.inventory.conftest import KETAMINE, stock  # noqa: F401
from tests.web.test_portal_browser import (
    NAMELESS_BUTTONS,
    PHONE,
    UNLABELLED,
    check_page_is_usable,
)

pytestmark = pytest.mark.browser

DESK = {"width": 1366, "height": 800}
GS = "\x1d"


def _sign_in(page, live_server, email, landing):
    page.set_default_timeout(10_000)
    page.goto(f"{live_server}/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    page.goto(f"{live_server}{landing}")


def _pharmacist(app):
    with app.app_context():
        email = factories.user("pharmacist").email
        db.session.commit()
    return email


def _scan(page, typed):
    """Type as a keyboard-wedge scanner does: the characters, then Enter."""
    field = page.get_by_label("Scan", exact=True)
    field.press_sequentially(typed)
    with page.expect_navigation():
        field.press("Enter")


def _form_is_usable(page, section):
    """Every control labelled, every button named, and the form within the screen's width.

    (The whole prescription page is not held to the width here: its Fills table is wider
    than a phone whatever the form holds.)"""
    assert page.evaluate(UNLABELLED) == []
    assert page.evaluate(NAMELESS_BUTTONS) == 0
    box = page.locator(section).bounding_box()
    assert box is not None and box["x"] >= 0
    assert box["x"] + box["width"] <= page.viewport_size["width"]


def _csp_refusals(page):
    refused = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else 0)
    return refused


@pytest.mark.parametrize("viewport", [DESK, PHONE])
def test_a_pharmacist_scans_a_bulk_jar_on_the_receiving_page(app, page, live_server, stock,  # noqa: F811
                                                             viewport):
    refused = _csp_refusals(page)
    page.set_viewport_size(viewport)
    _sign_in(page, live_server, _pharmacist(app), "/staff/inventory/receive")
    page.get_by_label("Bulk component").select_option(KETAMINE)
    expiry = clock.today() + timedelta(days=500)
    _scan(page, f"]d201{'00362991108722'}17{expiry:%y%m%d}10K-777{GS}")
    assert page.locator("#f-ndc").input_value() == "62991108702"
    assert page.get_by_label("Lot number").input_value() == "K-777"
    assert page.get_by_label("Expiration date").input_value() == expiry.isoformat()
    assert page.get_by_label("Bulk component").input_value() == KETAMINE
    assert "Read GTIN 00362991108722" in page.locator("#scan-read").inner_text()
    check_page_is_usable(page)
    assert refused == []


@pytest.mark.parametrize("viewport", [DESK, PHONE])
def test_a_pharmacist_scans_the_package_on_the_dispense_form(app, page, live_server,
                                                             counter, viewport):  # noqa: F811
    refused = _csp_refusals(page)
    page.set_viewport_size(viewport)
    _sign_in(page, live_server, _pharmacist(app),
             f"/staff/prescriptions/{counter.gabapentin_rx}")
    _scan(page, "(01)00364380754015(10)STR-1")  # the product's other package NDC
    assert page.get_by_label("NDC dispensed").input_value() == "64380075401"
    assert page.get_by_label("Manufacturer lot").input_value() == "STR-1"

    _scan(page, "300930073014")  # zolpidem: not the prescribed product
    error = page.locator("#f-scan-error")
    assert "Scanned NDC 0093007301 (UPC-A 300930073014) is not one of the prescribed " \
           "Gabapentin 300 mg capsule's NDCs" in error.inner_text()
    assert page.get_by_label("NDC dispensed").input_value() == "64380075401"

    expiry = clock.today() + timedelta(days=300)
    page.get_by_label("Scan", exact=True).fill("")
    _scan(page, f"0100365162102109{GS}17{expiry:%y%m%d}10GB2291A")
    assert page.get_by_label("NDC dispensed").input_value() == "65162010210"
    assert page.get_by_label("Manufacturer lot").input_value() == "GB2291A"
    assert page.get_by_label("Lot expiry").input_value() == expiry.isoformat()
    _form_is_usable(page, "section[aria-labelledby=h-dispense]")
    assert refused == []


def test_without_javascript_the_scanners_enter_still_reads_the_scan(app, browser, live_server,
                                                                    counter):  # noqa: F811
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        _sign_in(page, live_server, _pharmacist(app),
                 f"/staff/prescriptions/{counter.gabapentin_rx}")
        _scan(page, "365162102109")
        assert page.get_by_label("NDC dispensed").input_value() == "65162010210"
        assert "Read UPC-A 365162102109" in page.locator("#scan-read").inner_text()
        assert page.get_by_role("heading", name="Dispense").count() >= 1  # nothing dispensed
    finally:
        context.close()
