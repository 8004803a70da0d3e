"""The compounding pages in Debian's Chromium: a 200 g batch weighed after Check, a
verification refused as out of specification, and the ingredient table within its card."""

from datetime import timedelta

import pytest

from lienrx.core import clock
from lienrx.extensions import db
from tests import factories
from tests.formulary.factories import KETAMINE, load_products, receive_lot
from tests.staff.test_browser_flows import sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def bench(app):
    """A technician, two pharmacists and the ketamine cream's approved formulation."""
    with app.app_context():
        for role, email in (("technician", "tech@x.test"), ("pharmacist", "rph1@x.test"),
                            ("pharmacist", "rph2@x.test")):
            factories.user(role, email=email)
        product_id = load_products("KET-CRM-10")["KET-CRM-10"]
        receive_lot(KETAMINE, "LOT0", 100)  # the lot the technician weighs the ketamine from
        db.session.commit()
        return product_id


def test_200_g_batch_saved_after_check_then_out_of_spec_verification_refused(
        browser, live_server, bench, artifacts):
    tech = sign_in(browser, live_server, "tech@x.test")
    tech.goto(f"{live_server}/staff/batches/new?product_id={bench}")
    expiry = (clock.today() + timedelta(days=365)).isoformat()
    for n in range(3):
        tech.locator(f"#f-ingredients-{n}-lot_number").fill(f"LOT{n}")
        tech.locator(f"#f-ingredients-{n}-expiration_date").fill(expiry)
    tech.locator("#f-ingredients-0-ndc").fill("38779-0466-05")
    assert tech.locator("#f-ingredients-0-quantity").input_value() == ""
    tech.get_by_label("Batch quantity (g)").fill("200")
    tech.get_by_role("button", name="Check and show BUD").click()
    assert tech.locator("#target-0").inner_text() == "20 g"
    assert tech.locator("#target-1").inner_text() == "10 g"
    assert tech.locator("#target-2").inner_text() == "q.s. ≈ 170 g"
    assert tech.locator("#f-ingredients-1-lot_number").input_value() == "LOT1"  # kept
    assert tech.locator("#f-ingredients-0-ndc").input_value() == "38779-0466-05"
    assert tech.locator("#bud").inner_text() == (clock.today() + timedelta(days=35)).isoformat()
    for n, weighed in enumerate(("20.05", "10", "169.8")):
        tech.locator(f"#f-ingredients-{n}-quantity").fill(weighed)
    tech.get_by_label("Final weight (190–210 g)").fill("199.6")
    tech.get_by_role("button", name="Save batch").click()
    assert "pending verification" in tech.locator("#batch-status").inner_text()
    assert "200 g" in tech.get_by_role("region", name="Record").inner_text()
    batch_url = tech.url

    rph = sign_in(browser, live_server, "rph1@x.test")
    rph.goto(batch_url)
    verify = rph.get_by_role("region", name="Verification")
    assert verify.get_by_label("Final weight").input_value() == "199.6"
    assert "190–210 g" in verify.locator("#f-qc_results-final_weight-spec").inner_text()
    verify.get_by_label("Appearance").fill("smooth, uniform white cream")
    verify.get_by_label("pH").fill("7.4")
    verify.get_by_role("button", name="Verify batch").click()
    refusal = rph.locator(".refusal")
    assert "Refused: A quality check is out of specification." in refusal.inner_text()
    assert "pH 7.4 (spec 1 g dispersed in 9 mL purified water; 3.5–6.5)" in refusal.inner_text()
    assert rph.locator("#batch-status").inner_text() == "pending verification"
    rph.screenshot(path=str(artifacts / "staff-qc-out-of-spec.png"), full_page=True)
    rph.get_by_label("Reason to reject").fill("pH 7.4 above 6.5")
    rph.get_by_role("button", name="Reject batch").click()
    assert rph.locator("#batch-status").inner_text() == "rejected"
    assert "pH 7.4 above 6.5" in rph.locator("#rejection").inner_text()


@pytest.mark.parametrize("width", [1366, 1024])
def test_ingredient_table_fits_its_card(browser, live_server, bench, artifacts, width):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.get_by_label("E-mail").fill("tech@x.test")
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server}/staff/batches/new?product_id={bench}")
    page.get_by_role("button", name="Save batch").click()  # errors shown in every cell
    page.wait_for_url("**/staff/batches/new")
    page.wait_for_load_state("load")  # measured with the style sheets applied
    measured = page.evaluate("""() => {
        const table = document.querySelector('table.lots');
        const card = table.closest('.card');
        const style = getComputedStyle(card);
        const room = card.clientWidth - parseFloat(style.paddingLeft)
            - parseFloat(style.paddingRight);
        const spill = [...table.querySelectorAll('input:not([type=hidden]), select')]
            .filter(el => {
                const cell = el.closest('td, th').getBoundingClientRect();
                const box = el.getBoundingClientRect();
                return box.right > cell.right + 0.5 || box.left < cell.left - 0.5;
            }).map(el => el.id);
        return {table: table.getBoundingClientRect().width, room: room,
                cardScroll: card.scrollWidth - card.clientWidth,
                pageScroll: document.documentElement.scrollWidth
                    - document.documentElement.clientWidth,
                spill: spill};
    }""")
    page.screenshot(path=str(artifacts / f"staff-batch-form-{width}.png"), full_page=True)
    context.close()
    assert measured["table"] <= measured["room"] + 0.5, measured
    assert measured["cardScroll"] <= 0 and measured["pageScroll"] <= 0, measured
    assert measured["spill"] == [], measured
