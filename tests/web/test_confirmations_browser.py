"""Confirmations in a real browser, on a desk screen (1366 px) and a phone (375 px): before a
write-off, a close, a reversal, a batch verification and a POGOS signature the page says what
will happen, in money where there is money; going back changes nothing, confirming does it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from lienrx.extensions import db
from tests import factories
from tests.dispensing.conftest import counter  # noqa: F401
from tests.staff.conftest import products  # noqa: F401
from tests.staff.conftest import sign_in as signed_in_client
from tests.staff.test_pharmacy_pages import batch_form

pytestmark = pytest.mark.browser

OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"
WIDTHS = [1366, 375]


def sign_in(page, live_server, email):
    page.goto(f"{live_server}/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server}/staff/")


def user(app, role):
    with app.app_context():
        account = factories.user(role)
        db.session.commit()
        return account.email


def confirmation(page, title):
    """The confirmation page's effects, once it is shown with ``title`` and fits the screen."""
    expect(page.get_by_role("heading", level=1, name=title, exact=True)).to_be_visible()
    expect(page.get_by_text("Nothing has changed yet.")).to_be_visible()
    assert page.evaluate(OVERFLOW) <= 0
    return page.locator("#confirm-effects").inner_text()


@pytest.mark.parametrize("width", WIDTHS)
def test_billing_confirms_a_write_off_after_going_back_once_then_closes_the_case(
        app, page, live_server, world, artifacts, width):
    with app.app_context():
        factories.ledger_charge(world.case_id, 25_000)
        db.session.commit()
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, live_server, user(app, "billing"))
    settlement = f"{live_server}/staff/billing/cases/{world.case_id}"
    page.goto(settlement)
    writeoff = page.locator("form", has=page.get_by_role("button", name="Write off"))

    writeoff.get_by_label("Amount ($)").fill("100")
    writeoff.get_by_label("Reason").fill("Courtesy")
    writeoff.get_by_role("button", name="Write off").click()
    effects = confirmation(page, "Write off $100.00?")
    assert "The lien balance goes from $250.00 to $150.00." in effects
    page.get_by_role("link", name="Go back without changing anything").click()
    page.wait_for_url(settlement)
    expect(page.locator("#lien-balance")).to_have_text("$250.00")

    writeoff.get_by_label("Amount ($)").fill("100")
    writeoff.get_by_label("Reason").fill("Courtesy")
    writeoff.get_by_role("button", name="Write off").click()
    confirmation(page, "Write off $100.00?")
    page.screenshot(path=str(artifacts / f"confirm-writeoff-{width}.png"), full_page=True)
    page.get_by_role("button", name="Write off").click()
    page.wait_for_url(settlement)
    expect(page.locator("#lien-balance")).to_have_text("$150.00")

    close = page.locator("form", has=page.get_by_role("button", name="Close case"))
    close.get_by_label("Outcome").select_option("no_recovery")
    close.get_by_label("Reason").fill("Case lost")
    close.get_by_role("button", name="Close case").click()
    effects = confirmation(page, "Close the case with no recovery?")
    assert "of $150.00 is written off (reason: Case lost)." in effects
    assert "A closing letter is issued to the firm." in effects
    page.get_by_role("button", name="Close the case").click()
    page.wait_for_url(settlement)
    expect(page.get_by_role("link", name="Closing letter, no recovery (HTML)")).to_be_visible()


@pytest.mark.parametrize("width", WIDTHS)
def test_a_pharmacist_confirms_a_reversal_seeing_the_new_balance(
        app, page, live_server, counter, width):  # noqa: F811
    desk = signed_in_client(app, "pharmacist")
    filled = desk.post(f"/staff/prescriptions/{counter.cream_rx}/dispense", data={
        "compounding_record_id": counter.batch_id, "quantity": "30", "days_supply": "30"})
    dispense = f"{live_server}{filled.headers['Location']}"
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, live_server, user(app, "pharmacist"))
    page.goto(dispense)
    page.get_by_label("Reason").fill("Wrong strength")
    page.get_by_label("Return to stock: it never left the pharmacy").check()  # ketamine: C-III
    page.get_by_role("button", name="Reverse fill").click()
    effects = confirmation(page, f"Reverse fill 1 of RX{counter.cream_rx:07d}?")
    assert "The charge of $132.00 comes off the lien (reason: Wrong strength)." in effects
    assert "The lien balance goes from $132.00 to $0.00." in effects
    assert "The stock returns to lot" in effects
    page.get_by_role("button", name="Reverse the fill").click()
    page.wait_for_url(dispense)
    expect(page.get_by_text("The fill is reversed; its charge is off the lien.")).to_be_visible()
    expect(page.locator("#lien-balance")).to_have_text("$0.00")


@pytest.mark.parametrize("width", WIDTHS)
def test_a_second_pharmacist_confirms_a_batch_verification_with_its_qc_results(
        app, page, live_server, products, width):  # noqa: F811
    with app.app_context():
        data = batch_form("KET-CRM-10", 100)
    made = signed_in_client(app, "technician").post("/staff/batches/new", data=data)
    batch = f"{live_server}{made.headers['Location']}"
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, live_server, user(app, "pharmacist"))
    page.goto(batch)
    page.get_by_role("button", name="Verify batch").click()
    effects = confirmation(page, re.compile(r"^Verify batch \S+\?$"))
    assert "is released for dispensing until its beyond-use date" in effects
    page.get_by_role("button", name="Verify the batch").click()
    page.wait_for_url(batch)
    expect(page.get_by_text("Batch verified: it may be dispensed")).to_be_visible()


@pytest.mark.parametrize("width", WIDTHS)
def test_a_pharmacist_signs_the_pogos_giving_the_password_on_the_confirmation(
        app, page, live_server, world, width):
    with app.app_context():
        factories.ledger_charge(world.case_id, 123_456)
        db.session.commit()
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, live_server, user(app, "pharmacist"))
    page.goto(f"{live_server}/staff/cases/{world.case_id}/attestation")
    page.get_by_label("Clinical narrative").fill("Helps the allodynia.")
    page.get_by_role("button", name="Review and sign").click()
    effects = confirmation(page, "Sign version 1 of the POGOS?")
    assert "a lien balance of $1,234.56, as the records stand now" in effects
    page.get_by_role("button", name="Sign POGOS").click()  # no password: asked again
    expect(page.locator("#f-password-error")).to_be_visible()
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign POGOS").click()
    page.wait_for_url(f"{live_server}/staff/cases/{world.case_id}/attestation")
    expect(page.get_by_role("status")).to_contain_text("POGOS version 1 signed")
