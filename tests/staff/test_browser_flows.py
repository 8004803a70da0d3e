"""The staff workbench end to end in Debian's Chromium: intake to label, settlement to a
closed lien, and a refused action showing its reason."""

from datetime import timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from lienrx.core import clock
from lienrx.extensions import db
from tests import factories
from tests.formulary.factories import KETAMINE, load_products, prescription, receive_lot

pytestmark = pytest.mark.browser


def sign_in(browser, live_server, email):
    """A new browser context signed in as ``email``; returns its page."""
    page = browser.new_context().new_page()
    page.goto(f"{live_server}/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server}/staff/")
    return page


@pytest.fixture
def team(app):
    """A billing clerk, a technician, two pharmacists, a firm and a prescriber with a DEA."""
    with app.app_context():
        for role, email in (("billing", "desk@x.test"), ("technician", "tech@x.test"),
                            ("pharmacist", "rph1@x.test"), ("pharmacist", "rph2@x.test")):
            factories.user(role, email=email)
        factories.law_firm("Rivera Injury Law")
        factories.prescriber()
        load_products("KET-CRM-10", "GABA-CAP-300")
        receive_lot(KETAMINE, "LOT0", 100)  # the lot the technician weighs the ketamine from
        db.session.commit()


def test_intake_prescription_batch_verify_dispense_label(browser, live_server, team, artifacts):
    today = clock.today()
    desk = sign_in(browser, live_server, "desk@x.test")
    desk.get_by_role("link", name="Intake", exact=True).click()
    form = desk.locator("form", has=desk.get_by_role("button", name="Register patient"))
    form.get_by_label("First name").fill("Casey")
    form.get_by_label("Last name").fill("Nguyen")
    form.get_by_label("Date of birth").fill("1984-06-30")
    form.get_by_role("button", name="Register patient").click()
    desk.get_by_label("Law firm").select_option(label="Rivera Injury Law")
    desk.get_by_label("Date of injury").fill((today - timedelta(days=90)).isoformat())
    desk.get_by_label("Injury mechanism").select_option("motor_vehicle")
    desk.get_by_label("Code 1").fill("G90.59")  # not a same-limb code: accepted
    desk.get_by_label("Code 2").fill("G90.512")
    desk.get_by_label("Side 2").select_option("left")
    desk.get_by_role("button", name="Open case").click()
    assert desk.locator("#case-status").inner_text() == "intake"
    case_url = desk.url
    desk.get_by_label("Signed on").fill(today.isoformat())
    desk.get_by_role("button", name="Record lien agreement").click()
    assert desk.locator("#case-status").inner_text() == "active"

    tech = sign_in(browser, live_server, "tech@x.test")
    tech.goto(case_url)
    tech.get_by_role("link", name="New prescription").click()
    tech.get_by_label("Product").select_option(label="KET-CRM-10 — Ketamine HCl 10% topical "
                                                     "cream (compounded, C-III, per g)")
    tech.get_by_label("Prescriber").select_option(index=1)
    tech.get_by_label("Indication").fill("Allodynia of the left arm")
    tech.get_by_label("Sig (directions)").fill("Apply 1 g to the left arm three times daily")
    tech.get_by_label("Quantity per fill").fill("30")
    tech.get_by_label("Days supply").fill("30")
    tech.get_by_label("Refills").fill("6")
    tech.get_by_role("button", name="Enter prescription and run DUR").click()
    assert tech.locator("#f-refills_authorized-error").inner_text() == (
        "Schedule III allows at most 5 refills.")
    tech.get_by_label("Refills").fill("2")
    tech.get_by_role("button", name="Enter prescription and run DUR").click()
    assert "DUR found 0 alert(s)" in tech.get_by_role("status").first.inner_text()
    rx_url = tech.url

    tech.get_by_role("link", name="Compounding", exact=True).click()
    tech.get_by_role("button", name="Open batch form").click()
    expiry = (today + timedelta(days=365)).isoformat()
    for n, weighed in enumerate(("10.02", "5", "84.9")):
        tech.locator(f"#f-ingredients-{n}-lot_number").fill(f"LOT{n}")
        tech.locator(f"#f-ingredients-{n}-expiration_date").fill(expiry)
        tech.locator(f"#f-ingredients-{n}-quantity").fill(weighed)
    tech.locator("#f-ingredients-0-ndc").fill("38779-0466-05")
    tech.get_by_label("Appearance (smooth, uniform white cream, no grit)").fill("ok")
    tech.get_by_role("button", name="Check and show BUD").click()
    assert tech.locator("#bud").inner_text() == (today + timedelta(days=35)).isoformat()
    tech.get_by_role("button", name="Save batch").click()
    assert "pending verification" in tech.locator("#batch-status").inner_text()
    batch_url = tech.url

    rph = sign_in(browser, live_server, "rph1@x.test")
    assert rph.locator('.queue-stages a[data-stage="verification"] .count').inner_text() == "1"
    rph.goto(batch_url)
    rph.get_by_label("Final weight").fill("99.7")
    rph.get_by_label("pH").fill("5.0")
    rph.get_by_role("button", name="Verify batch").click()
    assert "is released for dispensing" in rph.locator("#confirm-effects").inner_text()
    rph.get_by_role("button", name="Verify the batch").click()
    assert rph.locator("#batch-status").inner_text() == "verified"
    rph.goto(rx_url)
    rph.get_by_label("Batch (lot)").select_option(index=1)
    assert rph.locator("#charge-preview").inner_text() == "$132.00"
    rph.get_by_role("button", name="Dispense").click()
    assert rph.locator("#patient-pays").inner_text() == "$0.00"
    assert rph.locator("#lien-balance").inner_text() == "$132.00"
    rph.get_by_role("link", name="Print label").click()
    assert "Casey Nguyen" in rph.locator(".label").inner_text()
    box = rph.locator(".label").bounding_box()
    assert round(box["width"]) == 384  # 4 in at 96 px per inch
    rph.screenshot(path=str(artifacts / "staff-label.png"))


@pytest.fixture
def settled_case(app):
    """An active case carrying $1,000.00 of charges, and a billing clerk."""
    with app.app_context():
        factories.user("billing", email="desk@x.test")
        world = factories.World.build()
        factories.ledger_charge(world.case_id, 100000)
        db.session.commit()
        return world.case_id


def test_settlement_payment_and_close(browser, live_server, settled_case, artifacts):
    today = clock.today().isoformat()
    desk = sign_in(browser, live_server, "desk@x.test")
    desk.get_by_role("link", name="Billing desk", exact=True).click()
    desk.get_by_role("link", name=f"Case {settled_case}", exact=True).click()
    desk.get_by_label("Gross recovery ($)").first.fill("30000")
    desk.get_by_label("Attorney fees ($)").first.fill("10000")
    desk.get_by_label("Case costs ($)").first.fill("2000")
    desk.get_by_role("button", name="Calculate").click()
    assert "$17,400.00" in desk.locator("#scenarios").inner_text()  # pro rata: client's net
    settle = desk.locator("form", has=desk.get_by_role("button", name="Record settlement"))
    settle.get_by_label("Settled on").fill(today)
    settle.get_by_role("button", name="Record settlement").click()
    assert desk.locator("#case-status").inner_text() == "settled"
    reduce = desk.locator("form", has=desk.get_by_role("button", name="Post reduction"))
    reduce.get_by_label("Method").select_option("pro_rata")
    reduce.get_by_label("Reason").fill("Procurement cost share")
    reduce.get_by_role("button", name="Post reduction").click()
    assert desk.locator("#lien-balance").inner_text() == "$600.00"
    pay = desk.locator("form", has=desk.get_by_role("button", name="Post payment"))
    pay.get_by_label("Amount ($)").fill("600.00")
    pay.get_by_label("Received on").fill(today)
    pay.get_by_label("Check or wire reference").fill("CHK 4411")
    pay.get_by_role("button", name="Post payment").click()
    assert desk.locator("#lien-balance").inner_text() == "$0.00"
    close = desk.locator("form", has=desk.get_by_role("button", name="Close case"))
    close.get_by_label("Outcome").select_option("paid")
    close.get_by_role("button", name="Close case").click()
    assert "The lien balance after: $0.00." in desk.locator("#confirm-effects").inner_text()
    desk.get_by_role("button", name="Close the case").click()
    assert desk.locator("#case-status").inner_text() == "closed"
    expect(desk.get_by_role("link", name="Release letter (HTML)")).to_be_visible()
    desk.screenshot(path=str(artifacts / "staff-settlement-closed.png"), full_page=True)


@pytest.fixture
def intake_rx(app):
    """A gabapentin prescription on a case whose lien agreement is not signed yet."""
    with app.app_context():
        factories.user("pharmacist", email="rph1@x.test")
        firm = factories.law_firm()
        case = factories.case(firm, active=False)
        load_products("GABA-CAP-300")
        rx = prescription(case.id, factories.prescriber().id, "GABA-CAP-300",
                          quantity=Decimal(90), days_supply=30)
        db.session.commit()
        return rx.id


def test_refused_dispense_shows_its_reason(browser, live_server, intake_rx, artifacts):
    rph = sign_in(browser, live_server, "rph1@x.test")
    rph.goto(f"{live_server}/staff/prescriptions/{intake_rx}")
    rph.get_by_label("NDC dispensed").fill("65162-102-10")
    rph.get_by_label("Medication Guide provided").check()
    rph.get_by_role("button", name="Dispense").click()
    alert = rph.locator(".refusal")
    assert "Refused: No lien agreement in force." in alert.inner_text()
    assert "no lien charge without an active agreement" in alert.inner_text()
    rph.screenshot(path=str(artifacts / "staff-refusal.png"))
