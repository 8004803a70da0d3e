"""Error pages a person reads in the browser (404, 403, 409, 500, an expired form) say in
plain words what happened and what to do next: no status jargon ("Forbidden", "Conflict"),
no rule codes, no exception text. The API keeps its codes (API.md)."""

from __future__ import annotations

import html
import re

import pytest

from lienrx.portal import summary
from tests.portal.conftest import book, counsel  # noqa: F401
from tests.staff.conftest import staff  # noqa: F401

JARGON = re.compile(r"Forbidden|Conflict|Validation ?Failed|invalid input|Traceback|Exception|"
                    r"Not Found|Internal (server )?error|CSRF|\b[a-z]+_[a-z_]+\b")


def reads_plainly(response, status: int, title: str, *sentences: str) -> str:
    """The error's own words (its card, not the menus around it)."""
    assert response.status_code == status
    card = re.search(r'<section class="card narrow" aria-labelledby="h-error">.*?</section>',
                     response.get_data(as_text=True), re.DOTALL)
    assert card, "no error card"
    shown = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", card.group(0))).split())
    assert shown.startswith(f"{title} ")
    for sentence in sentences:
        assert sentence in shown, sentence
    assert shown.endswith(f"Error {status}")  # the number is there, small, for whoever helps
    assert not JARGON.search(shown), JARGON.search(shown)
    return shown


def test_an_unknown_page_says_nothing_is_there_and_how_to_go_on(staff):  # noqa: F811
    reads_plainly(staff("pharmacist").get("/staff/no-such-page"), 404, "Not found",
                  "There is nothing at this address.",
                  "Check the address, or go back and follow a link from the page before.",
                  "Go to your home page")


def test_a_page_the_role_may_not_open_says_who_can_help(staff):  # noqa: F811
    reads_plainly(staff("technician").get("/staff/users"), 403, "Not allowed",
                  "Your account's role may not do this.",
                  "ask an administrator to change your account's role")


def test_a_refused_rule_names_it_in_words_not_its_code(counsel, book):  # noqa: F811
    """The case is open: it has no no-recovery closing letter (code
    `case_not_closed_without_recovery`)."""
    reads_plainly(counsel.get(f"/portal/cases/{book.case_id}/closing-letter.html"), 409,
                  "This case has no closing letter",
                  "The case has not been closed without recovery",
                  "Nothing was changed.")


def test_an_unexpected_failure_says_nothing_was_saved_and_gives_a_reference(
        counsel, book, monkeypatch):  # noqa: F811
    def broken(*_: object) -> None:
        raise RuntimeError("select * from patients where secret = 'Jordan Rivera'")

    monkeypatch.setattr(summary, "firm_summary", broken)
    shown = reads_plainly(counsel.get("/portal/summary"), 500, "Something went wrong",
                          "Something went wrong on our side.", "Nothing was saved.")
    assert "select" not in shown and "Rivera" not in shown
    assert re.search(r"Reference \(request id\): [0-9a-f]{32}\.", shown)


def test_a_form_sent_without_its_token_says_the_form_expired(app, client):
    page = client.post("/login", data={"email": "a@b.test", "password": "x"})
    reads_plainly(page, 400, "This form has expired",
                  "a form works only for a while", "Go back, reload the page and try again.")


@pytest.mark.parametrize("path, code", [("/api/v1/no-such-thing", "not_found")])
def test_the_api_keeps_its_codes(client, path, code):
    assert client.get(path).json["code"] == code
