"""SPEC §7.8, by construction: every attorney route on a case's records, in the API and the
portal, answers `hipaa_authorization_required` without an authorization and opens with one.

Walks the routes (as tests/api/test_attorney_scoping.py does), so a new attorney route on a
case fails here until it passes the gate."""

from __future__ import annotations

from lienrx.case_documents import services as case_documents
from lienrx.case_documents.queries import active_authorization
from lienrx.core import clock
from lienrx.docs.contract import HIPAA_GATED
from lienrx.extensions import db
from tests import factories
from tests.api.test_attorney_scoping import (
    CREATED_LATER,
    ID_PARAM,
    SAMPLE_QUERIES,
    allowed_roles,
    attorney_routes,
)
from tests.case_documents.factories import authorization
from tests.portal.conftest import sign_in

NOT_A_CASE_READ = {"/api/v1/me", "/api/v1/auth/logout", "/api/v1/cases",
                   "/api/v1/pharmacy/w9.pdf", "/api/v1/webhooks",
                   "/api/v1/webhooks/<int:webhook_id>"}
# Portal pages that render a PDF (1–2 s each) are checked closed, not opened.
RENDERS_PDF = (".pdf",)


def revoke_authorization(app, case_id, firm_id):
    with app.app_context():
        found = active_authorization(case_id, firm_id, clock.today())
        case_documents.revoke(factories.user("billing"), found.id, "client revoked in writing")
        db.session.commit()


def restore_authorization(app, case_id, firm_id):
    with app.app_context():
        authorization(case_id, firm_id)
        db.session.commit()


def path_of(rule, records):
    path = ID_PARAM.sub(lambda m: str(records[m.group(1)]), rule)
    return path + next((q for suffix, q in SAMPLE_QUERIES.items() if rule.endswith(suffix)), "")


def test_every_attorney_api_route_on_a_case_is_gated(app, api_as, world, other_firms_records):
    records = other_firms_records
    counsel = api_as("attorney", firm=world.firm_id)
    routes = [(m, r) for m, r, _ in attorney_routes(app) if r not in NOT_A_CASE_READ]
    gated_endpoints = {rule.endpoint for rule in app.url_map.iter_rules()
                       if rule.rule in {r for _, r in routes}
                       and "attorney" in (allowed_roles(app.view_functions[rule.endpoint]) or ())}
    assert gated_endpoints == set(HIPAA_GATED), "list the gated operation in docs/contract.py"

    revoke_authorization(app, world.case_id, world.firm_id)
    for method, rule in routes:
        call = counsel.get if method == "GET" else (lambda p: counsel.post(p, json={}))
        response = call(path_of(rule, records))
        assert response.status_code == 403, (method, rule, response.status_code)
        assert response.json["code"] == "hipaa_authorization_required", (method, rule)

    restore_authorization(app, world.case_id, world.firm_id)
    for method, rule in routes:
        if method == "GET" and not rule.endswith(CREATED_LATER):
            assert counsel.get(path_of(rule, records)).status_code == 200, rule


def test_every_portal_page_of_a_case_shows_the_notice_without_authorization(
        app, client, world, other_firms_records):
    records = other_firms_records
    with app.app_context():
        email = db.session.get(factories.User, world.attorney_id).email
    counsel = sign_in(client, email)
    pages = [rule for rule in app.url_map.iter_rules()
             if rule.endpoint.startswith("portal.") and "<int:case_id>" in rule.rule]
    assert len(pages) >= 10

    revoke_authorization(app, world.case_id, world.firm_id)
    for rule in pages:
        if "GET" not in rule.methods:
            continue
        response = counsel.get(path_of(rule.rule, records))
        assert response.status_code == 403, (rule.rule, response.status_code)
        page = response.get_data(as_text=True)
        assert "HIPAA authorization needed" in page, rule.rule
        assert "Rivera" not in page, rule.rule

    restore_authorization(app, world.case_id, world.firm_id)
    for rule in pages:
        if "GET" in rule.methods and not rule.rule.endswith(RENDERS_PDF + CREATED_LATER):
            assert counsel.get(path_of(rule.rule, records)).status_code == 200, rule.rule
