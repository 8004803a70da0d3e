"""A lien from intake to dispense with the keyboard alone, in Debian's Chromium: Tab and
Shift+Tab move focus, typing fills fields, arrow keys choose in selects, Space ticks boxes,
Enter follows links and presses buttons. Nothing is clicked or filled by the test; after the
first address it only reads the page, to say where focus is and that it can be seen there.

Who does what (SPEC §1): a technician registers the patient with her allergy, enters the
prescription and compounds the batch; a pharmacist opens the case, verifies the batch and
dispenses; the billing clerk records the lien agreement."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from lienrx.core import clock
from lienrx.extensions import db
from tests import factories
from tests.formulary.factories import KETAMINE, load_products, receive_lot

pytestmark = pytest.mark.browser

# What has focus: its name as a person reads it (the label of a field, the text of a link or
# a button), and whether a focus indicator is drawn around it.
FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const labelled = el.labels && el.labels.length ? el.labels[0].innerText : null;
  const name = (labelled || el.getAttribute('aria-label') || el.innerText || el.value || '')
    .replace(/\\*$/, '').replace(/\\s+/g, ' ').trim();
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  // A date field's last stop is its calendar button, inside the field, which Chromium rings
  // itself: the field no longer matches :focus then.
  const calendar = ['date', 'datetime-local'].includes(el.type) && !el.matches(':focus');
  return {name, tag: el.tagName.toLowerCase(), id: el.id,
          ring: calendar || (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2),
          shown: box.width > 0 && box.height > 0};
}"""
SELECTED = "() => { const s = document.activeElement; return s.options[s.selectedIndex].text; }"
MOST_TABS = 120  # a page's longest walk from the top to a control


def focused(page) -> dict:
    return page.evaluate(FOCUSED) or {"name": "", "tag": "body", "id": "", "ring": False,
                                      "shown": False}


def tab_to(page, name: str, *, back: bool = False, exact: bool = True) -> dict:
    """Press Tab (Shift+Tab with ``back``) until the control named ``name`` has focus; every
    control passed on the way shows where focus is."""
    key = "Shift+Tab" if back else "Tab"
    passed = []
    for _ in range(MOST_TABS):
        page.keyboard.press(key)
        now = focused(page)
        if now["tag"] != "body":
            assert now["ring"] and now["shown"], f"focus cannot be seen on {now}"
        passed.append(now["name"])
        if now["name"] == name or (not exact and name in now["name"]):
            return now
    raise AssertionError(f"{name!r} is not reachable with {key}; focus passed {passed}")


def press(page, key: str) -> None:
    """Enter or Space on the focused control, waiting for the page it opens."""
    with page.expect_navigation():
        page.keyboard.press(key)


def type_into(page, name: str, text: str, **how) -> None:
    tab_to(page, name, **how)
    page.keyboard.type(text)


def choose(page, name: str, option: str, **how) -> None:
    """Focus the select ``name`` and move down its options with the arrow keys to the one
    that reads ``option`` (or starts with it, then a space)."""
    tab_to(page, name, **how)
    for _ in range(40):
        shown = page.evaluate(SELECTED)
        if shown == option or shown.startswith(option + " "):
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"no option {option!r} in {name!r}")


def type_date(page, name: str, day, **how) -> None:
    """A date field takes the digits of its month, day and year (en-US)."""
    type_into(page, name, f"{day:%m%d%Y}", **how)


def sign_in(page, email: str) -> None:
    """The sign-in form opens with focus in its e-mail field."""
    assert focused(page)["name"] == "E-mail"
    page.keyboard.type(email)
    type_into(page, "Password", factories.PASSWORD)
    press(page, "Enter")


def sign_out(page) -> None:
    tab_to(page, "Sign out")
    press(page, "Enter")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def go_to(page, link: str, **how) -> None:
    tab_to(page, link, **how)
    press(page, "Enter")


def find_case(page, file_number: str, case_number: str) -> None:
    """From the case list, search by the firm's file number and open the case."""
    go_to(page, "Cases")
    type_into(page, "Client name or file no.", file_number)
    press(page, "Enter")
    go_to(page, case_number)


@pytest.fixture
def pharmacy(app):
    """The pharmacy's people, a law firm, a prescriber with a DEA number, the ketamine cream
    with its approved formulation, and the bulk ketamine the technician weighs from."""
    with app.app_context():
        people = {role: factories.user(role, name=f"Kay {role.title()}").email
                  for role in ("technician", "pharmacist", "billing")}
        factories.law_firm("Rivera Injury Law")
        factories.prescriber()
        load_products("KET-CRM-10")
        receive_lot(KETAMINE, "LOT0", 100)
        db.session.commit()
        return people


def test_a_lien_goes_from_intake_to_dispense_with_the_keyboard_alone(
        page, live_server, pharmacy, artifacts):
    today = clock.today()
    page.set_default_timeout(15_000)
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{live_server}/login")

    # The technician registers the client at intake, then records her allergy.
    sign_in(page, pharmacy["technician"])
    expect(page.get_by_role("heading", name="Work queue")).to_be_visible()
    page.keyboard.press("Tab")
    assert focused(page)["name"] == "Skip to content"
    page.keyboard.press("Enter")
    skipped_to = focused(page)
    tab_to(page, "Patient, Rx number or file no.")  # the first control of the page itself
    assert skipped_to["id"] == "main"
    go_to(page, "Intake", back=True)
    expect(page.get_by_role("heading", name="Intake", exact=True)).to_be_visible()
    tab_to(page, "Search patients")
    type_into(page, "First name", "Casey")
    type_into(page, "Last name", "Nguyen")
    type_date(page, "Date of birth", clock.today().replace(year=1984, month=6, day=30))
    tab_to(page, "Register patient")
    press(page, "Enter")
    expect(page.get_by_role("heading", name="Record the clinical profile")).to_be_visible()
    type_into(page, "Substance 1", "ketamine")
    type_into(page, "Reaction 1", "rash")
    tab_to(page, "Save clinical profile")
    press(page, "Enter")
    expect(page.locator("#allergies")).to_have_text("ketamine (rash)")
    sign_out(page)

    # A pharmacist finds her at intake and opens her case.
    sign_in(page, pharmacy["pharmacist"])
    go_to(page, "Intake")
    type_into(page, "Last name", "Nguyen")
    type_date(page, "Date of birth", clock.today().replace(year=1984, month=6, day=30))
    press(page, "Enter")  # Enter in a field sends its form: the search
    expect(page.get_by_text("Matches: 1")).to_be_visible()
    go_to(page, "Open a case")
    expect(page.get_by_role("heading", name="New case")).to_be_visible()
    choose(page, "Law firm", "Rivera Injury Law")
    type_into(page, "Firm's file number", "RIL-2291")
    type_date(page, "Date of injury", today - timedelta(days=90))
    choose(page, "Injury mechanism", "motor vehicle")
    type_into(page, "What happened", "Rear-ended at a light; left wrist fracture.")
    type_into(page, "Code 1", "G90.512")
    choose(page, "Side 1", "left")
    tab_to(page, "Open case")
    press(page, "Enter")
    expect(page.locator("#case-status")).to_have_text("intake")
    case_number = page.get_by_role("heading", level=1).inner_text().split(":")[0]  # "Case 7"
    sign_out(page)

    # The billing clerk records the signed lien agreement: the case is active.
    sign_in(page, pharmacy["billing"])
    find_case(page, "RIL-2291", case_number)
    type_date(page, "Signed on", today)
    tab_to(page, "Record lien agreement")
    press(page, "Enter")
    expect(page.locator("#case-status")).to_have_text("active")
    sign_out(page)

    # The technician enters the prescription from the case: DUR finds the allergy.
    sign_in(page, pharmacy["technician"])
    find_case(page, "RIL-2291", case_number)
    go_to(page, "New prescription")
    choose(page, "Product", "KET-CRM-10")
    choose(page, "Prescriber", "Morgan Pain")
    type_into(page, "Indication", "Allodynia of the left wrist in CRPS type I")
    type_into(page, "Dose amount", "1")
    choose(page, "Dose unit", "g")
    type_into(page, "Times per day", "3")
    type_into(page, "Quantity per fill", "90")
    type_into(page, "Days supply", "30")
    type_into(page, "Refills", "2")  # focus by Tab selects what the field held ("0")
    tab_to(page, "Enter prescription and run DUR")
    press(page, "Enter")
    entered = page.get_by_role("status").filter(has_text="DUR found 1 alert(s)")
    expect(entered).to_be_visible()
    rx_number = entered.inner_text().split()[1]  # "Prescription RX0000001 entered; …"
    expect(page.locator("#dur-alerts")).to_contain_text("ketamine")

    # ... and compounds the cream's batch, weighing from the received ketamine lot.
    go_to(page, "Compounding")
    choose(page, "Product", "KET-CRM-10")
    tab_to(page, "Open batch form")
    press(page, "Enter")
    components = page.locator("input[name$='.component']").evaluate_all(
        "inputs => inputs.map(i => i.value)")
    expiry = today + timedelta(days=365)
    for n, (component, weighed) in enumerate(zip(components, ("10.02", "5", "84.9"),
                                                 strict=True)):
        type_into(page, f"Lot of {component}", f"LOT{n}")
        if n == 0:
            type_into(page, f"NDC of {component}", "38779-0466-05")
        type_date(page, f"Expires of {component}", expiry)
        type_into(page, f"Weighed of {component}", weighed)
    type_into(page, "Appearance (smooth, uniform white cream, no grit)", "ok", exact=False)
    tab_to(page, "Check and show BUD")
    press(page, "Enter")
    expect(page.locator("#bud")).to_have_text((today + timedelta(days=35)).isoformat())
    assert focused(page)["id"] == "bud-box"  # focus waits beside the buttons, not at the top
    tab_to(page, "Save batch")
    press(page, "Enter")
    expect(page.locator("#batch-status")).to_have_text("pending verification")
    lot = page.get_by_role("heading", level=1).inner_text().removeprefix("Batch ")
    sign_out(page)

    # A pharmacist finds the batch in the work queue and verifies it.
    sign_in(page, pharmacy["pharmacist"])
    go_to(page, "Verification 1")
    go_to(page, f"Batch {lot}")
    type_into(page, "Final weight", "99.7")
    type_into(page, "pH", "5.0")
    tab_to(page, "Verify batch")
    press(page, "Enter")
    expect(page.locator("#confirm-effects")).to_contain_text("is released for dispensing")
    tab_to(page, "Verify the batch")
    press(page, "Enter")
    expect(page.locator("#batch-status")).to_have_text("verified")

    # ... then dispenses the fill, resolving the allergy alert with its NCPDP codes.
    go_to(page, "Work queue")
    go_to(page, "DUR review 1")  # the open allergy alert holds it there
    go_to(page, rx_number)
    choose(page, "Batch (lot)", lot)
    choose(page, "Reason", "Drug–allergy (DA)")
    choose(page, "Professional service", "Pharmacist reviewed (R0)")
    choose(page, "Result", "Filled as is (1B)")
    type_into(page, "Note", "Rash with IV ketamine only; topical tolerated since 2024.")
    tab_to(page, "Dispense")
    press(page, "Enter")
    expect(page.locator("#patient-pays")).to_have_text("$0.00")
    assert page.locator("#charge").inner_text() == page.locator("#lien-balance").inner_text()
    page.screenshot(path=str(artifacts / "keyboard-dispensed.png"), full_page=True)
