"""SPEC §7.8 in the portal: a case without the client's HIPAA authorization naming the firm is
listed by file number and status with a notice, and its page explains what is missing."""

from __future__ import annotations

from datetime import timedelta

from lienrx.cases.models import Case
from lienrx.core import clock
from lienrx.extensions import db
from seeds.demo_accounts import DEMO_PASSWORD
from tests import factories
from tests.portal.conftest import csrf_token, sign_in


def unauthorized_case(app, world, file_number):
    with app.app_context():
        firm = db.session.get(factories.LawFirm, world.firm_id)
        case = factories.case(firm, authorized=False, firm_file_number=file_number)
        db.session.commit()
        return case.id, case.patient.last_name


def attorney(app, client, world):
    with app.app_context():
        email = db.session.get(factories.User, world.attorney_id).email
    return sign_in(client, email)


def test_portal_list_shows_file_number_and_status_only_without_authorization(app, client,
                                                                               world):
    case_id, last_name = unauthorized_case(app, world, "NO-AUTH-1")
    with app.app_context():
        authorized_name = db.session.get(Case, world.case_id).patient.last_name
    page = attorney(app, client, world).get("/portal/").get_data(as_text=True)
    assert "NO-AUTH-1" in page and "HIPAA authorization needed" in page
    assert f'href="/portal/cases/{case_id}">Authorization needed</a>' in page
    assert last_name not in page  # no client name for the unauthorized case
    assert authorized_name in page  # the authorized case is shown in full


def test_portal_case_page_without_authorization_explains_what_is_missing(app, client, world):
    case_id, last_name = unauthorized_case(app, world, "NO-AUTH-2")
    response = attorney(app, client, world).get(f"/portal/cases/{case_id}")
    page = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "HIPAA authorization needed" in page and "NO-AUTH-2" in page
    assert "signed HIPAA authorization naming your firm" in page
    assert last_name not in page


def test_portal_search_never_finds_an_unauthorized_client_by_name(app, client, world):
    case_id, last_name = unauthorized_case(app, world, "NO-AUTH-3")
    counsel = attorney(app, client, world)
    assert "NO-AUTH-3" not in counsel.get(f"/portal/?q={last_name}").get_data(as_text=True)
    assert "NO-AUTH-3" in counsel.get("/portal/?q=NO-AUTH-3").get_data(as_text=True)


def test_whats_new_names_no_client_of_an_unauthorized_case(app, client, world):
    case_id, last_name = unauthorized_case(app, world, "NO-AUTH-4")
    clock.freeze(clock.utcnow() + timedelta(days=60))  # the lien goes quiet: a notification
    page = attorney(app, client, world).get("/portal/").get_data(as_text=True)
    notes = page[page.index('id="quiet-h"'):page.index('id="cases-h"')]
    assert "Client not shown (HIPAA authorization needed) (NO-AUTH-4)" in notes
    assert last_name not in page


def test_the_demo_attorney_sees_the_demo_case(app, runner, client):
    assert runner.invoke(args=["seed", "demo"]).exit_code == 0
    with app.app_context():
        (case,) = db.session.query(Case).all()
        case_id, name = case.id, case.patient.last_name
        db.session.remove()
    token = csrf_token(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"email": "attorney@demo.lienrx.test", "password": DEMO_PASSWORD,
                                "csrf_token": token})
    response = client.get(f"/portal/cases/{case_id}")
    assert response.status_code == 200 and name in response.get_data(as_text=True)
