"""The PDMP page in Debian's Chromium: generate a day's report, download it, mark it
submitted."""

from __future__ import annotations

from pathlib import Path

import pytest

from lienrx.extensions import db
from tests import factories
from tests.pdmp.asap_validator import assert_valid
from tests.pdmp.conftest import FILL_DAY, after
from tests.staff.test_browser_flows import sign_in

pytestmark = pytest.mark.browser


def test_pharmacist_generates_downloads_and_marks_a_pdmp_report_submitted(
        app, browser, live_server, day, artifacts, tmp_path):
    after(FILL_DAY)
    with app.app_context():
        factories.user("pharmacist", email="pdmp@x.test")
        db.session.commit()
    page = sign_in(browser, live_server, "pdmp@x.test")
    page.get_by_role("link", name="PDMP").first.click()
    page.get_by_label("Report date").fill(FILL_DAY.isoformat())
    page.get_by_label("State").select_option("TN")
    page.get_by_role("button", name="Generate").click()
    assert page.locator("#report-status").inner_text() == "generated"
    assert page.locator("#report-records tbody tr").count() == 3
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the file").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name.startswith("TN_20261118_")
    segments = assert_valid(Path(saved).read_text())
    assert sum(s.tag == "DSP" for s in segments) == 3
    page.get_by_label("How it was sent").select_option("upload")
    page.get_by_role("button", name="Mark submitted").click()
    assert page.locator("#report-status").inner_text() == "submitted"
    page.screenshot(path=str(artifacts / "pdmp-report-submitted.png"), full_page=True)
