"""Case and prescription actions in a real browser, on a desk screen (1366 px) and a phone
(375 px): billing puts a case on hold, resumes it and substitutes counsel after reading what
the old firm loses; a pharmacist cancels a prescription with a reason."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from lienrx.extensions import db
from lienrx.parties.models import LawFirm
from tests import factories
from tests.formulary.factories import load_products, prescription

pytestmark = pytest.mark.browser

OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"


@pytest.fixture
def desk(app):
    """An active case of Hollis & Marsh LLP with a prescription, Baker & Lane LLP to take it
    over, and the billing and pharmacist accounts."""
    with app.app_context():
        world = factories.World.build()
        db.session.get(LawFirm, world.firm_id).name = "Hollis & Marsh LLP"
        factories.law_firm("Baker & Lane LLP")
        load_products("GABA-CAP-300")
        rx = prescription(world.case_id, world.prescriber_id, "GABA-CAP-300",
                          quantity=Decimal(90), days_supply=30)
        billing = factories.user("billing")
        pharmacist = factories.user("pharmacist")
        db.session.commit()
        return {"case_id": world.case_id, "rx_id": rx.id, "billing": billing.email,
                "pharmacist": pharmacist.email}


def sign_in(page, live_server, email):
    page.goto(f"{live_server}/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server}/staff/")


@pytest.mark.parametrize("width", [1366, 375])
def test_billing_holds_resumes_and_substitutes_counsel_and_a_pharmacist_cancels(
        page, live_server, desk, artifacts, width):
    page.set_viewport_size({"width": width, "height": 900})
    case = f"{live_server}/staff/cases/{desk['case_id']}"
    sign_in(page, live_server, desk["billing"])
    page.goto(case)
    assert page.locator("#case-status").inner_text() == "active"

    page.get_by_role("link", name="Put on hold").click()
    page.get_by_role("button", name="Put on hold").click()
    assert "Reason for the hold: This field is required." in page.get_by_role("alert").inner_text()
    page.get_by_label("Reason for the hold").fill("Client unreachable")
    page.get_by_role("button", name="Put on hold").click()
    page.wait_for_url(case)
    assert page.locator("#case-status").inner_text() == "on_hold"

    page.get_by_role("link", name="Resume").click()
    assert "The case becomes active again" in page.locator("#resume-effect").inner_text()
    assert page.evaluate(OVERFLOW) <= 0
    page.get_by_role("button", name="Resume the case").click()
    page.wait_for_url(case)
    assert page.locator("#case-status").inner_text() == "active"

    page.get_by_role("link", name="Substitution of counsel").click()
    page.get_by_role("combobox", name="New law firm").select_option(label="Baker & Lane LLP")
    page.get_by_role("button", name="Review the substitution").click()
    effects = page.locator("#confirm-effects").inner_text()
    assert "Hollis & Marsh LLP loses access to this case at once" in effects
    assert "does not carry over to Baker & Lane LLP" in effects
    assert "nothing more is charged to the case until a new agreement" in effects
    assert page.evaluate(OVERFLOW) <= 0
    page.screenshot(path=str(artifacts / f"staff-substitution-{width}.png"), full_page=True)
    page.get_by_role("button", name="Substitute Baker & Lane LLP").click()
    page.wait_for_url(case)
    assert page.locator("#case-status").inner_text() == "intake"
    expect(page.get_by_text("Baker & Lane LLP").first).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, live_server, desk["pharmacist"])
    page.goto(f"{live_server}/staff/prescriptions/{desk['rx_id']}")
    page.get_by_role("link", name="Cancel prescription").click()
    assert "Nothing more is filled from this prescription" in page.locator(
        "#cancel-effects").inner_text()
    page.get_by_label("Reason for cancelling").fill("Prescriber discontinued")
    assert page.evaluate(OVERFLOW) <= 0
    page.get_by_role("button", name="Cancel the prescription").click()
    page.wait_for_url(f"{live_server}/staff/prescriptions/{desk['rx_id']}")
    assert "Cancelled: Prescriber discontinued" in page.locator("#cancel-reason").inner_text()
    expect(page.get_by_role("link", name="Cancel prescription")).to_be_hidden()
