"""The pharmacist's inventory in Debian's Chromium: receive bulk ketamine against an invoice,
record a witnessed waste on the lot, count it, and see the variance in the work queue."""

from datetime import timedelta

import pytest

from lienrx.core import clock
from lienrx.extensions import db
from tests import factories
from tests.formulary.factories import load_products
from tests.inventory.conftest import KETAMINE, SUPPLIER_DEA
from tests.staff.test_browser_flows import sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def pharmacy(app):
    with app.app_context():
        factories.user("pharmacist", email="rph@x.test")
        load_products("KET-CRM-10")
        db.session.commit()


def test_receive_waste_and_count_bulk_ketamine(browser, live_server, pharmacy, artifacts):
    page = sign_in(browser, live_server, "rph@x.test")
    page.get_by_role("link", name="Inventory", exact=True).click()
    page.get_by_role("link", name="Receive stock").click()
    page.get_by_label("Bulk component").select_option(KETAMINE)
    page.get_by_label("NDC").fill("62991-1087-2")
    page.get_by_label("Lot number").fill("BR-1")
    page.get_by_label("Expiration date").fill((clock.today() + timedelta(days=500)).isoformat())
    page.get_by_label("Quantity").fill("100")
    page.get_by_label("Unit").select_option("g")
    page.locator("#f-supplier").fill("Demo Compounding Supply")
    page.get_by_label("Supplier DEA number").fill("PB1234564")  # a wrong check digit
    page.get_by_label("Invoice number").fill("INV-77")
    page.get_by_role("button", name="Receive").click()
    assert "Not a valid DEA registration number" in page.locator(
        "#f-supplier_dea_number-error").inner_text()
    page.get_by_label("Supplier DEA number").fill(SUPPLIER_DEA)
    page.get_by_role("button", name="Receive").click()
    assert page.locator("#on-hand").inner_text() == "100 g"
    page.get_by_label("Waste (one witness)").check()
    page.get_by_label("Quantity (g)").fill("1.5")
    page.get_by_label("Reason or circumstances").fill("spilled while weighing")
    page.get_by_label("First witness").fill("Lee Chu")
    page.get_by_role("button", name="Record").click()
    assert page.locator("#on-hand").inner_text() == "98.5 g"
    page.screenshot(path=str(artifacts / "inventory-lot.png"), full_page=True)
    page.get_by_role("link", name="Inventory", exact=True).click()
    page.get_by_role("link", name="Count sheet").click()
    page.get_by_label("Counted g of lot BR-1").fill("98")
    page.get_by_role("button", name="Record the count").click()
    page.get_by_role("link", name="Work queue").click()
    assert "found a variance of -0.5 g" in page.locator(
        "tr[data-stage=inventory]", has_text="Variance").inner_text()
