"""The dashboard-like pages at a desk (1366 px) and on a phone (375 px): cards side by side
start and end together, grids align, numbers in tables sit right-aligned in tabular figures
under right-aligned headers, and nothing is wider than the screen. Screenshots go to
test-artifacts/polish/."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from lienrx.dispensing.models import Dispense
from lienrx.extensions import db
from tests import factories
from tests.portal.conftest import build_book

pytestmark = pytest.mark.browser

# Cards of one .grid row that do not share their top and bottom edges.
UNEVEN_CARDS = """() => [...document.querySelectorAll('.grid')].flatMap(grid => {
  const boxes = [...grid.children].map(c => c.getBoundingClientRect());
  return boxes.filter(a => boxes.some(b => Math.abs(a.top - b.top) < 40 &&
    (Math.abs(a.top - b.top) > 1 || Math.abs(a.bottom - b.bottom) > 1)))
    .map(a => `${grid.firstElementChild.textContent.trim().slice(0, 30)}: ${a.top}-${a.bottom}`);
})"""
# Number cells (and their column's header) not right-aligned in tabular figures.
MISALIGNED_NUMBERS = """() => [...document.querySelectorAll('td.num, td.money')].flatMap(td => {
  const bad = [];
  const style = getComputedStyle(td);
  const right = s => ['right', 'end'].includes(s.textAlign) || s.justifyContent === 'space-between';
  if (!right(style) || !style.fontVariantNumeric.includes('tabular-nums'))
    bad.push(td.textContent.trim());
  const table = td.closest('table'), head = table.tHead && table.tHead.rows[0];
  if (head && head.cells.length === td.parentElement.cells.length) {
    const th = head.cells[td.cellIndex];  // shown (a phone's stacked rows hide it in 1 px)
    if (th.offsetWidth > 1 && !right(getComputedStyle(th)))
      bad.push('header ' + th.textContent.trim());
  }
  return bad;
})"""
OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"


@pytest.fixture
def desk(app, world):
    """The portal's book (a case with fills and a signed POGOS), $12,345.67 more charged to
    it, a billing clerk and a pharmacist."""
    book = build_book(app, world)
    with app.app_context():
        factories.ledger_charge(book.case_id, 1_234_567)
        people = {role: factories.user(role).email for role in ("billing", "pharmacist")}
        people["fill"] = db.session.execute(sa.select(sa.func.max(Dispense.id))).scalar_one()
        db.session.commit()
    return book, people


def sign_in(page, live_server, email):
    page.goto(f"{live_server}/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


def check(page, path, shot, width, artifacts):
    page.goto(path)
    page.screenshot(path=str(artifacts / f"{shot}-{width}.png"), full_page=True)
    assert page.evaluate(UNEVEN_CARDS) == [], shot
    assert page.evaluate(MISALIGNED_NUMBERS) == [], shot
    assert page.evaluate(OVERFLOW) <= 0, shot


@pytest.fixture
def shots(artifacts):
    folder = artifacts / "polish"
    folder.mkdir(exist_ok=True)
    return folder


@pytest.mark.parametrize("width", [1366, 375])
def test_dashboards_align_their_cards_and_numbers(browser, live_server, desk, shots, width):
    book, people = desk
    pages = {"pharmacist": [("/staff/", "staff-queue"),
                            (f"/staff/cases/{book.case_id}", "staff-case"),
                            (f"/staff/dispenses/{people['fill']}", "staff-fill")],
             "billing": [("/staff/billing/board", "billing-board"),
                         (f"/staff/billing/cases/{book.case_id}", "settlement")],
             book.attorney_email: [("/portal/", "portal-index"), ("/portal/summary",
                                                                  "portal-summary"),
                                   (f"/portal/cases/{book.case_id}", "portal-case")]}
    for who, paths in pages.items():
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        sign_in(page, live_server, people.get(who, who))
        for path, shot in paths:
            check(page, f"{live_server}{path}", shot, width, shots)
        context.close()
