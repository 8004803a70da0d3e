"""The LienRx icon in the browser tab: every layout links it (staff, portal, sign-in, error
pages, the label page, documents shown in the browser), the files are served from /static,
and /favicon.ico answers instead of a 404."""

from __future__ import annotations

import pytest

from tests.portal.conftest import book, counsel  # noqa: F401
from tests.settlement.conftest import billing, letterhead, matter  # noqa: F401
from tests.staff.conftest import staff  # noqa: F401

SVG, PNG = "/static/favicon.svg", "/static/favicon-32.png"
ICO_MAGIC = b"\x00\x00\x01\x00"


def links_the_icon(html: str) -> bool:
    return (f'<link rel="icon" href="{SVG}" type="image/svg+xml">' in html
            and f'<link rel="icon" href="{PNG}" type="image/png" sizes="32x32">' in html)


def test_favicon_ico_sends_the_browser_to_the_icon(client):
    answer = client.get("/favicon.ico")
    assert answer.status_code == 301
    assert answer.headers["Location"].endswith("/static/favicon.ico")
    with client.get("/favicon.ico", follow_redirects=True) as icon:
        assert icon.status_code == 200 and icon.data.startswith(ICO_MAGIC)


@pytest.mark.parametrize("path, kind", [(SVG, "image/svg+xml"), (PNG, "image/png"),
                                        ("/static/apple-touch-icon.png", "image/png")])
def test_the_linked_icons_are_served(client, path, kind):
    with client.get(path) as icon:
        assert icon.status_code == 200 and icon.mimetype == kind and icon.data


def test_sign_in_verify_and_error_pages_link_the_icon(client):
    for path, status in (("/login", 200), ("/verify", 200), ("/no-such-page", 404)):
        page = client.get(path)
        assert page.status_code == status and links_the_icon(page.get_data(as_text=True)), path


def test_staff_pages_link_the_icon(staff):  # noqa: F811
    pharmacist = staff("pharmacist")
    for path in ("/staff/", "/staff/intake", "/staff/batches"):
        assert links_the_icon(pharmacist.get(path).get_data(as_text=True)), path


def test_portal_pages_link_the_icon(counsel, book):  # noqa: F811
    for path in ("/portal/", f"/portal/cases/{book.case_id}", "/portal/summary"):
        page = counsel.get(path)
        assert page.status_code == 200 and links_the_icon(page.get_data(as_text=True)), path


def test_a_document_shown_in_the_browser_carries_the_icon_inline(billing, matter):  # noqa: F811
    """A document's policy loads no file: its icon is a data: URL."""
    statement = billing.post(f"/api/v1/cases/{matter.case_id}/payoff-statements").json["id"]
    html = billing.get(f"/api/v1/payoff-statements/{statement}.html").get_data(as_text=True)
    assert '<link rel="icon" href="data:image/svg+xml;base64,' in html
