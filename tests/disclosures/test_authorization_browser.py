"""SPEC §7.8 in Debian's Chromium: an attorney without the client's HIPAA authorization sees a
notice instead of the case; billing files the authorization on the staff case page, and the
attorney then sees the case."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from lienrx.extensions import db
from tests import factories
from tests.case_documents.factories import PDF

pytestmark = pytest.mark.browser


def sign_in(browser, live_server, email, lands_on):
    page = browser.new_context().new_page()
    page.goto(f"{live_server}/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server}{lands_on}")
    return page


@pytest.fixture
def pending(app):
    """A firm's case with no authorization on file, its attorney and a billing clerk."""
    with app.app_context():
        firm = factories.law_firm("Harbor Injury Law")
        factories.user("attorney", firm_id=firm.id, email="counsel@harbor.test")
        factories.user("billing", email="desk@pharmacy.test")
        case = factories.case(firm, authorized=False, firm_file_number="HIL-2026-31")
        db.session.commit()
        return case.id, f"{case.patient.first_name} {case.patient.last_name}"


def test_attorney_sees_the_case_once_billing_files_the_authorization(browser, live_server,
                                                                     pending, artifacts):
    case_id, client_name = pending
    counsel = sign_in(browser, live_server, "counsel@harbor.test", "/portal/")
    row = counsel.get_by_role("row").filter(has_text="HIL-2026-31")
    expect(row.get_by_text("HIPAA authorization needed")).to_be_visible()
    assert client_name not in counsel.content()
    row.get_by_role("link", name="Authorization needed").click()
    counsel.wait_for_url(f"{live_server}/portal/cases/{case_id}")
    expect(counsel.get_by_role("heading", name="HIPAA authorization needed")).to_be_visible()
    expect(counsel.get_by_role("alert")).to_be_visible()
    counsel.screenshot(path=str(artifacts / "portal-authorization-needed.png"), full_page=True)

    desk = sign_in(browser, live_server, "desk@pharmacy.test", "/staff/")
    desk.goto(f"{live_server}/staff/cases/{case_id}")
    desk.locator("#f-doc-file").set_input_files(
        files=[{"name": "authorization.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    desk.get_by_label("Kind").select_option(label="HIPAA authorization")
    desk.get_by_label("Law firm named").select_option(label="Harbor Injury Law")
    desk.get_by_role("button", name="Add document").click()
    expect(desk.locator("#case-documents").get_by_text("HIPAA authorization")).to_be_visible()

    counsel.reload()
    expect(counsel.get_by_role("heading", name=client_name)).to_be_visible()
    counsel.goto(f"{live_server}/portal/")
    expect(counsel.get_by_role("link", name=client_name, exact=True)).to_be_visible()
