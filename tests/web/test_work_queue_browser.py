"""The staged work queue in a real browser, on a desk screen (1366 px) and a phone (375 px):
a lien moves from intake to dispensed today with the stage counts following it, a case moves
through billing's stages from agreement to close, and the list refreshes itself without losing
the search, the scroll position, or what is being typed."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from lienrx.auth.models import User
from lienrx.case_documents import services as case_documents
from lienrx.cases.models import Case
from lienrx.extensions import db
from lienrx.reduction_requests import services as reduction_requests
from lienrx.settlement import payoff
from lienrx.settlement import services as settlement
from tests import factories
from tests.workqueue import flow

pytestmark = pytest.mark.browser

OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"
COUNT = "nav[aria-label=Stages] a[data-stage={}] .count"
PHARMACY = ("intake", "entry", "dur", "compounding", "verification", "ready", "dispensed")
BILLING = ("intake", "agreements", "payoffs", "reductions", "settlements", "closing")


def step_in(app, step, lien):
    with app.app_context():
        step(lien)
        db.session.commit()


@pytest.fixture
def desk(app, monkeypatch):
    """A pharmacist, and the queue refreshing every second instead of every minute."""
    monkeypatch.setitem(app.config, "LIENRX_QUEUE_REFRESH_SECONDS", 1)
    with app.app_context():
        pharmacist = factories.user("pharmacist", name="Rita Pharm")
        db.session.commit()
        return pharmacist.email


def sign_in(page, live_server, email):
    page.goto(f"{live_server}/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server}/staff/")


def count(page, stage):
    return int(page.locator(COUNT.format(stage)).inner_text())


@pytest.mark.parametrize("width", [1366, 375])
def test_an_item_moves_through_every_stage_with_the_counts(page, live_server, app, desk,
                                                           artifacts, width):
    with app.app_context():
        lien = flow.open_case(f"Okafor{width}")
        db.session.commit()
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, live_server, desk)
    page.get_by_label("Patient, Rx number or file no.").fill(f"okafor{width}")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(f"{live_server}/staff/?q=okafor{width}&sort=oldest")
    expect(page.locator("tr[data-stage=intake]", has_text=f"Case {lien.case_id}")).to_be_visible()
    assert count(page, "intake") == 1
    assert page.evaluate(OVERFLOW) <= 0
    searched = page.url
    for step, stage in flow.STEPS:
        step_in(app, step, lien)
        with page.expect_navigation():
            page.get_by_role("link", name="Refresh").click()
        if stage == "verification":  # the batch names no patient: the lien waits on it
            assert sum(count(page, s) for s in PHARMACY) == 0
            page.get_by_label("Patient, Rx number or file no.").fill(lien.batch_lot)
            with page.expect_navigation():
                page.get_by_role("button", name="Search").click()
            expect(page.locator("tr[data-stage=verification]", has_text=lien.batch_lot)
                   ).to_be_visible()
            assert count(page, "verification") == 1
            page.goto(searched)
            continue
        ref = f"RX{lien.rx_id:07d}" if lien.rx_id else f"Case {lien.case_id}"
        expect(page.locator(f"tr[data-stage={stage}]", has_text=ref), stage).to_be_visible()
        assert count(page, stage) == 1, stage
        assert sum(count(page, s) for s in PHARMACY) == 1, stage
        assert page.evaluate(OVERFLOW) <= 0
    assert f"Adaeze Okafor{width}" in page.locator("tr[data-stage=dispensed]").inner_text()
    page.screenshot(path=str(artifacts / f"staff-queue-{width}.png"), full_page=True)


@pytest.mark.parametrize("width", [1366, 375])
def test_the_queue_refreshes_itself_keeping_the_search_and_the_scroll(page, live_server, app,
                                                                      desk, width):
    name = f"Nakamura{width}"
    with app.app_context():
        liens = [flow.open_case(f"{name}{letter}") for letter in "abcdefghijklmn"]
        db.session.commit()
    page.set_viewport_size({"width": width, "height": 500})
    sign_in(page, live_server, desk)
    page.goto(f"{live_server}/staff/?q={name.lower()}")
    assert count(page, "intake") == 14 and count(page, "entry") == 0
    page.evaluate("() => { window.stayed = true; window.scrollTo(0, 300); }")

    step_in(app, flow.sign_agreement, liens[0])  # someone else records an agreement
    page.wait_for_function(
        f"() => document.querySelector('{COUNT.format('entry')}').textContent === '1'",
        timeout=15_000)
    assert count(page, "intake") == 13
    assert page.evaluate("() => window.stayed === true")  # refreshed in place, not reloaded
    assert page.evaluate("() => window.scrollY") == 300
    assert page.get_by_label("Patient, Rx number or file no.").input_value() == name.lower()

    search = page.get_by_label("Patient, Rx number or file no.")
    search.click()
    search.press("End")
    search.type(" a")  # typing: the list must not change under the person
    step_in(app, flow.sign_agreement, liens[1])
    page.wait_for_timeout(2500)
    assert count(page, "entry") == 1
    assert search.input_value() == f"{name.lower()} a"
    page.locator("h1").click()  # done typing: the next refresh catches up
    page.wait_for_function(
        f"() => document.querySelector('{COUNT.format('entry')}').textContent === '2'",
        timeout=15_000)
    assert search.input_value() == f"{name.lower()} a"


def billing_steps(lien):
    """What happens to a case between intake and close (each done by billing or the firm's
    attorney), with the billing stage it leaves the case in ("" when it needs nobody)."""
    def file_agreement(clerk, attorney):
        case_documents.upload(clerk, lien.case_id, kind="lien_agreement",
                              file=b"%PDF-1.4\n%%EOF\n")

    def firm_payoff_voided_by_a_fill(clerk, attorney):
        flow.sign_agreement(lien)
        factories.ledger_charge(lien.case_id, 50_000)
        payoff.issue_statement(attorney, lien.case_id)
        factories.ledger_charge(lien.case_id, 13_200)

    def reissued_then_reduction_asked(clerk, attorney):
        payoff.issue_statement(clerk, lien.case_id)
        reduction_requests.file_request(attorney, lien.case_id, method="amount", value=1_000,
                                        reason="policy limits")

    def answered_and_settled(clerk, attorney):
        [request] = reduction_requests.requests_for_case(clerk, lien.case_id)
        reduction_requests.answer_request(clerk, request.id, decision="decline")
        factories.settle(lien.case_id)

    def paid(clerk, attorney):
        factories.pay_in_full(lien.case_id)

    def closed(clerk, attorney):
        settlement.close_case(clerk, lien.case_id, outcome="paid")

    return ((file_agreement, "agreements"), (firm_payoff_voided_by_a_fill, "payoffs"),
            (reissued_then_reduction_asked, "reductions"), (answered_and_settled, "settlements"),
            (paid, "closing"), (closed, ""))


@pytest.mark.parametrize("width", [1366, 375])
def test_a_case_moves_through_billings_stages_with_the_counts(page, live_server, app, width):
    with app.app_context():
        lien = flow.open_case(f"Mensah{width}")
        firm_id = db.session.get(Case, lien.case_id).law_firm_id
        people = (factories.user("billing").id, factories.user("attorney", firm_id=firm_id).id)
        db.session.commit()
        email = db.session.get(User, people[0]).email
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, live_server, email)
    page.goto(f"{live_server}/staff/?q=mensah{width}")
    assert count(page, "intake") == 1
    for step, stage in billing_steps(lien):
        with app.app_context():
            step(*(db.session.get(User, person) for person in people))
            db.session.commit()
        with page.expect_navigation():
            page.get_by_role("link", name="Refresh").click()
        assert sum(count(page, s) for s in BILLING) == (1 if stage else 0), stage
        if stage:
            row = page.locator(f"tr[data-stage={stage}]", has_text=f"Case {lien.case_id}")
            expect(row, stage).to_be_visible()
            assert count(page, stage) == 1, stage
        assert page.evaluate(OVERFLOW) <= 0
