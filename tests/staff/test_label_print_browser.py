"""SPEC §7.2 in Debian's Chromium: the printed label is 4 × 2.5 in, and a label that does not
fit continues on a second one marked "1 of 2" / "2 of 2"; no required line, the 21 CFR 290.5
transfer caution above all, is ever cut off, on screen or in print."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from lienrx.core import clock
from lienrx.dispensing import services
from lienrx.dispensing.labels import TRANSFER_CAUTION
from lienrx.extensions import db
from tests import factories
from tests.dispensing.conftest import verified_batch
from tests.formulary.factories import (
    GABAPENTIN_300_NDC,
    load_products,
    prescription,
    receive_ndc_lot,
)

pytestmark = pytest.mark.browser

SIG = ("Apply 1 gram (one pump) to the painful area of the left forearm and hand three times "
       "daily; rub in gently until absorbed. Wash hands after use. Avoid open cuts.")
assert len(SIG) == 160
LABEL_PX = (384, 240)  # 4 in × 2.5 in at 96 px per inch

# Every line of every label box lies inside its box, and no ancestor clips it: the boxes of
# each line and of each ancestor whose overflow is not visible, as [line, clipping ancestors].
LINE_GEOMETRY = """
(sheet) => Array.from(sheet.children).map((line) => {
  const box = (el) => { const r = el.getBoundingClientRect();
                        return {top: r.top, bottom: r.bottom, left: r.left, right: r.right}; };
  const clips = [];
  for (let up = line.parentElement; up; up = up.parentElement) {
    const style = getComputedStyle(up);
    if (style.overflowX !== "visible" || style.overflowY !== "visible") { clips.push(box(up)); }
  }
  return {text: line.textContent.trim(), box: box(line), clips: clips};
})
"""


def inside(inner, outer, slack=0.5):
    return (inner["top"] >= outer["top"] - slack and inner["bottom"] <= outer["bottom"] + slack
            and inner["left"] >= outer["left"] - slack and inner["right"] <= outer["right"]
            + slack)


def sign_in(browser, live_server, email, **context):
    page = browser.new_context(**context).new_page()
    page.goto(f"{live_server}/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server}/staff/")
    return page


def _dispense(prescription_id, batch_id=None, **fields):
    pharmacist = factories.user("pharmacist")
    request = services.DispenseRequest(prescription_id=prescription_id, quantity=Decimal(30),
                                       days_supply=30, compounding_record_id=batch_id,
                                       **fields)
    return services.dispense(pharmacist, request).id


@pytest.fixture
def labels(app):
    """A ketamine cream (C-III) refill with a 160-character sig, an early-refill and a BUD
    override, and a one-line gabapentin fill; a pharmacist to print them."""
    with app.app_context():
        factories.user("pharmacist", email="rph@x.test")
        world = factories.World.build()
        load_products("KET-CRM-10", "GABA-CAP-300")
        cream = prescription(world.case_id, world.prescriber_id, "KET-CRM-10",
                             quantity=Decimal(30), days_supply=30, refills_authorized=2, sig=SIG)
        gabapentin = prescription(world.case_id, world.prescriber_id, "GABA-CAP-300",
                                  quantity=Decimal(30), days_supply=30, sig="1 at bedtime")
        batch_id = verified_batch("KET-CRM-10", 120, factories.user("technician"),
                                  factories.user("pharmacist"))
        _dispense(cream.id, batch_id)
        short = _dispense(gabapentin.id, ndc=GABAPENTIN_300_NDC,
                          lot_number=receive_ndc_lot(GABAPENTIN_300_NDC, "GB2291A").lot_number)
        clock.freeze(clock.utcnow() + timedelta(days=10))
        long = _dispense(cream.id, batch_id,
                         refill_override_reason="Tube leaked in the patient's bag",
                         bud_override_reason="Patient told to discard on the BUD")
        db.session.commit()
        return {"long": long, "short": short}


def open_label(page, live_server, dispense_id):
    page.goto(f"{live_server}/staff/dispenses/{dispense_id}/label")
    page.wait_for_selector("[data-paginate][data-sheets]", state="attached")
    return page.locator("[data-paginate] > .label")


def assert_nothing_clipped(sheets):
    for n in range(sheets.count()):
        sheet = sheets.nth(n)
        box = sheet.bounding_box()
        assert (round(box["width"]), round(box["height"])) == LABEL_PX
        outer = {"top": box["y"], "bottom": box["y"] + box["height"], "left": box["x"],
                 "right": box["x"] + box["width"]}
        for line in sheet.evaluate(LINE_GEOMETRY):
            assert inside(line["box"], outer), line["text"]
            assert all(inside(line["box"], clip) for clip in line["clips"]), line["text"]


def test_long_label_continues_on_a_second_label_marked_1_of_2(browser, live_server, labels,
                                                              artifacts):
    page = sign_in(browser, live_server, "rph@x.test")
    sheets = open_label(page, live_server, labels["long"])
    assert sheets.count() == 2
    assert sheets.nth(0).locator(".of").inner_text() == "1 of 2"
    assert sheets.nth(1).locator(".of").inner_text() == "2 of 2"
    assert "(continued)" in sheets.nth(1).locator(".continued").inner_text()
    assert_nothing_clipped(sheets)
    page.screenshot(path=str(artifacts / "staff-label-2-labels.png"))


def test_transfer_caution_is_fully_visible_inside_a_label(browser, live_server, labels):
    page = sign_in(browser, live_server, "rph@x.test")
    sheets = open_label(page, live_server, labels["long"])
    caution = page.get_by_text(TRANSFER_CAUTION, exact=True)
    expect(caution).to_have_count(1)
    expect(caution).to_be_visible()
    box = caution.bounding_box()
    boxes = [sheets.nth(n).bounding_box() for n in range(sheets.count())]
    assert any(box["y"] >= s["y"] and box["y"] + box["height"] <= s["y"] + s["height"]
               and box["x"] >= s["x"] and box["x"] + box["width"] <= s["x"] + s["width"]
               for s in boxes)
    every_line = " ".join(sheets.nth(n).inner_text() for n in range(sheets.count()))
    for line in (SIG, "Early refill override: Tube leaked in the patient's bag",
                 "Supply past the BUD override: Patient told to discard on the BUD",
                 "Date of initial fill"):
        assert " ".join(line.split()) in " ".join(every_line.split()), line


def test_printed_labels_are_4_by_2_5_inches_and_clip_nothing(browser, live_server, labels):
    page = sign_in(browser, live_server, "rph@x.test")
    open_label(page, live_server, labels["long"])
    page.emulate_media(media="print")
    sheets = page.locator("[data-paginate] > .label")
    assert sheets.count() == 2
    assert_nothing_clipped(sheets)
    printed = PdfReader(io.BytesIO(page.pdf(prefer_css_page_size=True))).pages
    assert len(printed) == 2  # one 4 × 2.5 in label per page
    assert [(round(p.mediabox.width), round(p.mediabox.height)) for p in printed] == [
        (288, 180)] * 2  # points
    assert "1 of 2" in printed[0].extract_text() and "2 of 2" in printed[1].extract_text()
    assert TRANSFER_CAUTION in " ".join(" ".join(p.extract_text() for p in printed).split())


def test_short_label_fits_one_label_without_marks(browser, live_server, labels):
    page = sign_in(browser, live_server, "rph@x.test")
    sheets = open_label(page, live_server, labels["short"])
    assert sheets.count() == 1
    assert sheets.locator(".of").count() == 0
    assert_nothing_clipped(sheets)


def test_without_script_the_label_grows_and_hides_nothing(browser, live_server, labels):
    page = sign_in(browser, live_server, "rph@x.test", java_script_enabled=False)
    page.goto(f"{live_server}/staff/dispenses/{labels['long']}/label")
    label = page.locator(".label")
    assert label.count() == 1
    box = label.bounding_box()
    assert box["height"] > LABEL_PX[1]  # taller than one label, nothing cut off
    caution = page.get_by_text(TRANSFER_CAUTION, exact=True).bounding_box()
    assert caution["y"] + caution["height"] <= box["y"] + box["height"]
