"""Every page a person opens passes axe-core's WCAG 2.0/2.1 A and AA rules with no serious or
critical violation, on a desk screen (1366 px) and a phone (375 px), where it also fits the
width. The walk names each page by the route that answers with it and who opens it; a GET
route of the application that is not in the walk (nor excluded below, with the reason) fails
the suite, so a new page cannot go unchecked."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.axe import assert_accessible
from tests.browser import close_pages
from tests.conftest import start_afresh
from tests.pdmp.conftest import PHARMACY
from tests.web.book import Book, build

pytestmark = pytest.mark.browser

DESK, PHONE = 1366, 375
OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"
CONFIRMATION, ERRORS = "#h-effects", "[data-form-errors]"  # what a post's answer shows


@dataclass(frozen=True)
class Page:
    """A page: the route answering with it, who opens it (None: nobody signed in), where it
    is, and for a page shown after a POST, what is done on ``url`` to post it."""

    endpoint: str
    role: str | None
    url: Callable[[Book], str]
    post: Callable[[Any, Book], None] | None = None
    name: str = ""  # when the route shows more than one page
    status: int = 200

    @property
    def id(self) -> str:
        return f"{self.endpoint}:{self.name}" if self.name else self.endpoint


def submit(page: Any, button: str, *, form: str = "form", shows: str = CONFIRMATION) -> None:
    """Press ``button`` of the page's ``form`` and wait for the answer (``shows``: a CSS
    selector of what it shows)."""
    page.locator(form).get_by_role("button", name=button).click()
    expect(page.locator(shows)).to_be_visible()


def sign_step(page: Any, book: Book) -> None:
    page.get_by_label("Clinical narrative").fill("Topical ketamine spares the oral opioids.")
    submit(page, "Review and sign")


def reverse_step(page: Any, book: Book) -> None:
    page.get_by_label("Reason").fill("Entered against the wrong prescription")
    page.get_by_label("Return to stock").check()
    submit(page, "Reverse fill")


def write_off_step(page: Any, book: Book) -> None:
    form = "form[action$='/writeoff']"
    page.locator(form).get_by_label("Reason").fill("Uncollectable residual")
    submit(page, "Write off", form=form)


def close_step(page: Any, book: Book) -> None:
    form = "form[action$='/close']"
    page.locator(form).get_by_label("Outcome").select_option("no_recovery")
    page.locator(form).get_by_label("Reason").fill("The claim was dropped")
    submit(page, "Close case", form=form)


def substitution_step(page: Any, book: Book) -> None:
    page.get_by_label("New law firm").select_option(index=1)
    submit(page, "Review the substitution")


def verdict_step(page: Any, book: Book) -> None:
    page.get_by_label("Signed JSON").fill(book.pogos_json)
    submit(page, "Verify", shows="#verdict")


def nothing_step(button: str) -> Callable[[Any, Book], None]:
    """Post the form as it is (empty): it comes back saying what is wrong."""
    return lambda page, book: submit(page, button, shows=ERRORS)


def refused_sign_in(page: Any, book: Book) -> None:
    page.get_by_label("E-mail").fill(book.users["pharmacist"])
    page.get_by_label("Password").fill("not the password")
    submit(page, "Sign in", shows=ERRORS)


ADMIN, RPH, TECH, BILLING, ATTORNEY = "admin", "pharmacist", "technician", "billing", "attorney"
WALK = (
    Page("home.index", None, lambda b: "/"),
    Page("auth.login", None, lambda b: "/login"),
    Page("auth.login", None, lambda b: "/login", refused_sign_in, "refused"),
    Page("verify.page", None, lambda b: "/verify"),
    Page("verify.page", None, lambda b: "/verify", verdict_step, "verdict"),
    Page("verify.page", None, lambda b: "/verify",
         nothing_step("Verify"), "nothing-sent"),
    Page("staff.queue", RPH, lambda b: "/staff/"),
    Page("staff.queue", BILLING, lambda b: "/staff/", name="billing"),
    Page("staff.account_security", TECH, lambda b: "/staff/account/security"),
    Page("staff.intake", TECH, lambda b: "/staff/intake"),
    Page("staff.new_case", BILLING, lambda b: f"/staff/cases/new?patient_id={b.patient_id}"),
    Page("staff.create_case", BILLING, lambda b: "/staff/cases/new", nothing_step("Open case")),
    Page("staff.cases_list", BILLING, lambda b: "/staff/cases"),
    Page("staff.case", RPH, lambda b: f"/staff/cases/{b.case_id}"),
    Page("staff.case", RPH, lambda b: "/staff/cases/999999", name="not-found", status=404),
    Page("staff.edit_case", BILLING, lambda b: f"/staff/cases/{b.case_id}/edit"),
    Page("staff.hold", BILLING, lambda b: f"/staff/cases/{b.case_id}/hold"),
    Page("staff.resume", BILLING, lambda b: f"/staff/cases/{b.held_case_id}/resume"),
    Page("staff.substitution", BILLING, lambda b: f"/staff/cases/{b.case_id}/substitution"),
    Page("staff.substitute_counsel", BILLING,
         lambda b: f"/staff/cases/{b.case_id}/substitution", substitution_step),
    Page("staff.patient", RPH, lambda b: f"/staff/patients/{b.patient_id}"),
    Page("staff.disclosures", BILLING, lambda b: f"/staff/patients/{b.patient_id}/disclosures"),
    Page("staff.edit_prescriber", TECH, lambda b: f"/staff/prescribers/{b.prescriber_id}/edit"),
    Page("staff.new_prescription", TECH,
         lambda b: f"/staff/cases/{b.case_id}/prescriptions/new"),
    Page("staff.prescription", RPH, lambda b: f"/staff/prescriptions/{b.open_rx}"),
    Page("staff.prescription", RPH, lambda b: f"/staff/prescriptions/{b.cream_rx}",
         name="filled"),
    Page("staff.edit_prescription", RPH, lambda b: f"/staff/prescriptions/{b.cream_rx}/edit"),
    Page("staff.cancel", RPH, lambda b: f"/staff/prescriptions/{b.open_rx}/cancel"),
    Page("staff.dispense", RPH, lambda b: f"/staff/dispenses/{b.dispense_id}"),
    Page("staff.reverse_dispense", RPH, lambda b: f"/staff/dispenses/{b.dispense_id}",
         reverse_step),
    Page("staff.label", TECH, lambda b: f"/staff/dispenses/{b.dispense_id}/label"),
    Page("staff.attestation", RPH, lambda b: f"/staff/cases/{b.case_id}/attestation"),
    Page("staff.sign_attestation", RPH, lambda b: f"/staff/cases/{b.case_id}/attestation",
         sign_step),
    Page("staff.batches", TECH, lambda b: "/staff/batches"),
    Page("staff.new_batch", TECH, lambda b: f"/staff/batches/new?product_id={b.cream_id}"),
    Page("staff.batch", RPH, lambda b: f"/staff/batches/{b.pending_batch_id}"),
    Page("staff.verify_batch", RPH, lambda b: f"/staff/batches/{b.pending_batch_id}",
         lambda page, book: submit(page, "Verify batch")),
    Page("staff.inventory", RPH, lambda b: "/staff/inventory"),
    Page("staff.inventory_lot", RPH, lambda b: f"/staff/inventory/lots/{b.lot_id}"),
    Page("staff.receive_form", RPH, lambda b: "/staff/inventory/receive"),
    Page("staff.count_sheet", RPH, lambda b: "/staff/inventory/count"),
    Page("staff.pdmp_reports", RPH, lambda b: "/staff/pdmp"),
    Page("staff.pdmp_report", RPH, lambda b: f"/staff/pdmp/{b.report_id}"),
    Page("staff.billing", BILLING, lambda b: "/staff/billing/"),
    Page("staff.billing_board_page", BILLING, lambda b: "/staff/billing/board"),
    Page("staff.settlement", BILLING, lambda b: f"/staff/billing/cases/{b.case_id}"
         "?wi-gross=50000&wi-attorney_fees=16666.67&wi-costs=500"),
    Page("staff.money_action", BILLING, lambda b: f"/staff/billing/cases/{b.case_id}",
         write_off_step, "writeoff"),
    Page("staff.money_action", BILLING, lambda b: f"/staff/billing/cases/{b.case_id}",
         close_step, "close"),
    Page("staff.export", BILLING, lambda b: "/staff/billing/export"),
    Page("staff.users", ADMIN, lambda b: "/staff/users"),
    Page("staff.user", ADMIN, lambda b: f"/staff/users/{b.other_user_id}"),
    Page("staff.deactivate_user", ADMIN, lambda b: f"/staff/users/{b.other_user_id}/deactivate"),
    Page("staff.new_user", ADMIN, lambda b: "/staff/users/new"),
    Page("staff.new_user", ADMIN, lambda b: "/staff/users/new",
         nothing_step("Create user"), "errors"),
    Page("portal.index", ATTORNEY, lambda b: "/portal/"),
    Page("portal.case_page", ATTORNEY, lambda b: f"/portal/cases/{b.case_id}"),
    Page("portal.case_page", ATTORNEY, lambda b: f"/portal/cases/{b.unauthorized_case_id}",
         name="authorization-needed", status=403),
    Page("portal.pogos_html", ATTORNEY, lambda b: f"/portal/cases/{b.case_id}/pogos.html"),
    Page("portal.payoff_statement", ATTORNEY,
         lambda b: f"/portal/cases/{b.case_id}/payoff-statements/{b.statement_id}"),
    Page("portal.release_letter_page", ATTORNEY,
         lambda b: f"/portal/cases/{b.paid_case_id}/release-letter.html"),
    Page("portal.closing_letter_page", ATTORNEY,
         lambda b: f"/portal/cases/{b.unrecovered_case_id}/closing-letter.html"),
    Page("portal.summary", ATTORNEY, lambda b: "/portal/summary"),
    Page("portal.email_preferences", ATTORNEY, lambda b: "/portal/notifications/preferences"),
    Page("portal_webhooks.page", ATTORNEY, lambda b: "/portal/webhooks"),
)

# GET routes that answer with no page of their own to check, and why.
NOT_PAGES = {
    "static": "stylesheets, scripts and images",
    "staff.queue_items": "the work queue's list alone, refreshed into staff.queue (checked there)",
    "staff.case_document": "downloads the stored file (PDF or image)",
    "staff.pdmp_report_file": "downloads the ASAP text file",
    "staff.billing_board_workbook": "downloads the .xlsx workbook",
    "portal.cases_csv": "downloads the .csv list",
    "portal.ledger_csv": "downloads the case's whole ledger as .csv",
    "home.favicon": "sends the browser to the icon (a redirect, no page)",
    "portal.pogos_pdf": "downloads a PDF",
    "portal.custodian_certificate": "downloads a PDF",
    "portal.payoff_statement_pdf": "downloads a PDF",
    "portal.release_letter": "downloads a PDF",
    "portal.closing_letter": "downloads a PDF",
    "portal.pharmacy_w9": "downloads a PDF",
}
API = "/api/"  # the JSON API (its HTML documents are the portal's, checked above)


@pytest.fixture(autouse=True)
def _isolation() -> Iterator[None]:
    """The walk only reads and previews (every POST it makes stops at the confirmation or
    at a refusal), so its book is made once for the module (``book``) instead of after
    every test, which is the reset this fixture replaces here."""
    yield


@pytest.fixture(scope="module")
def book(app: Any, browser: Any) -> Iterator[Book]:
    """The book, with the pharmacy's identity configured (as a PDMP file needs); when the
    module ends, every page is closed and the database is emptied for the next test."""
    with pytest.MonkeyPatch.context() as patch:
        for key, value in PHARMACY.items():
            patch.setitem(app.config, key, value)
        yield build(app)
        close_pages(browser)
        start_afresh(app)


@pytest.fixture(scope="module")
def open_as(browser: Any, live_server: str, book: Book) -> Callable[[str | None], Any]:
    """``open_as(role)`` → the browser tab of the book's user of that role, signed in once
    for the module (None: nobody signed in). Pages are allowed the axe script whatever their
    Content-Security-Policy says (the letters and the POGOS allow no script)."""
    tabs: dict[str | None, Any] = {}

    def tab(role: str | None) -> Any:
        if role not in tabs:
            page = browser.new_context(bypass_csp=True).new_page()
            if role is not None:
                page.goto(f"{live_server}/login")
                page.get_by_label("E-mail").fill(book.users[role])
                page.get_by_label("Password").fill(factories.PASSWORD)
                page.get_by_role("button", name="Sign in").click()
                expect(page.get_by_role("button", name="Sign out")).to_be_visible()
            tabs[role] = page
        return tabs[role]

    return tab


@pytest.mark.parametrize("width", [DESK, PHONE])
@pytest.mark.parametrize("shown", WALK, ids=lambda shown: shown.id)
def test_the_page_passes_axe_and_fits_the_width(shown, width, open_as, book, live_server):
    page = open_as(shown.role)
    page.set_viewport_size({"width": width, "height": 900})
    answer = page.goto(live_server + shown.url(book))
    assert answer.status == shown.status, f"{shown.id}: {answer.status}"
    if shown.post is not None:
        shown.post(page, book)
    assert_accessible(page, f"{shown.id} at {width} px")
    if width == PHONE:
        wider = page.evaluate(OVERFLOW)
        assert wider <= 0, f"{shown.id} is {wider} px wider than a {PHONE} px phone"


class AnyIds:
    """Stands in for the book where only the shape of a page's URL matters."""

    def __getattr__(self, name: str) -> int:
        return 1


def test_every_page_of_the_application_is_in_the_walk(app):
    routes = app.url_map.bind("localhost")
    pages = {rule.endpoint for rule in app.url_map.iter_rules()
             if "GET" in (rule.methods or ()) and not rule.rule.startswith(API)}
    assert pages - {shown.endpoint for shown in WALK} - NOT_PAGES.keys() == set(), \
        "pages missing from the walk"
    assert NOT_PAGES.keys() <= pages, "an exclusion names no route"
    posted = {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in (rule.methods or ())}
    for shown in WALK:  # each page is answered by the route it is named after
        path = shown.url(AnyIds()).partition("?")[0]
        assert (shown.endpoint in posted if shown.post
                else routes.match(path)[0] == shown.endpoint), shown.id


def test_the_check_fails_naming_each_serious_violation_and_where(page):
    page.set_content('<html lang="en"><title>Bad</title><main><h1>Bad</h1>'
                     '<input id="q"><button id="go"></button></main></html>')
    with pytest.raises(AssertionError) as refused:
        assert_accessible(page, "a bad page")
    said = str(refused.value)
    assert "critical button-name: Buttons must have discernible text at #go" in said
    assert "critical label: Form elements must have labels at #q" in said
