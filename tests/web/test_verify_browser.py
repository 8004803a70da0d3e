"""The public /verify page in a real browser: a reader uploads the POGOS PDF they were sent."""

from __future__ import annotations

import pytest

from tests.attestations.helpers import issue
from tests.attestations.test_verification import _pdf_carrying, _saved
from tests.web.test_portal_browser import PHONE, check_page_is_usable

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", [PHONE, {"width": 1366, "height": 800}])
def test_a_reader_without_an_account_uploads_a_pogos_pdf_and_reads_the_verdict(
        app, api_as, world, page, live_server, viewport):
    pharmacist = api_as("pharmacist")
    first = _saved(pharmacist, issue(pharmacist, world.case_id))
    issue(pharmacist, world.case_id)
    page.set_viewport_size(viewport)
    page.goto(f"{live_server}/login")
    page.get_by_role("link", name="Verify it").click()
    page.wait_for_url(f"{live_server}/verify")
    check_page_is_usable(page)
    page.get_by_label("POGOS PDF or JSON file").set_input_files(
        {"name": "pogos.pdf", "mimeType": "application/pdf",
         "buffer": _pdf_carrying(app, first)})
    page.get_by_role("button", name="Verify").click()
    verdict = page.locator("#verdict")
    verdict.wait_for()
    assert "Valid signature" in verdict.inner_text()
    assert "superseded by version 2" in verdict.inner_text()
    check_page_is_usable(page)


def test_a_reader_who_sends_nothing_is_told_what_to_choose(page, live_server):
    page.goto(f"{live_server}/verify")
    page.get_by_role("button", name="Verify").click()
    page.wait_for_load_state()
    assert "POGOS PDF or JSON file:" in page.inner_text("main")
