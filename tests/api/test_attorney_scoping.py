"""SPEC §1: an attorney never sees, or learns the existence of, another firm's records.

Walks every /api route an attorney may call and calls it with another firm's ids. A new
route with an id parameter fails this test until the walk knows how to make that record.
"""

import re

import pytest

from lienrx.extensions import db
from tests import factories

ID_PARAM = re.compile(r"<int:(\w+)>")
# Routes that need query parameters to get past validation to the lookup.
SAMPLE_QUERIES = {
    "/settlement-preview": "?gross=100000.00&attorney_fees=33333.33&costs=1500.00",
}
# Documents that exist only later in a case's life (the insider also gets 404 for them here).
CREATED_LATER = ("/release-letter.html", "/release-letter.pdf", "/closing-letter.html",
                 "/closing-letter.pdf")


def allowed_roles(view):
    while view is not None:
        roles = getattr(view, "allowed_roles", None)
        if roles is not None:
            return roles
        view = getattr(view, "__wrapped__", None)
    return None


def attorney_routes(app):
    """(method, rule, id parameter names) for every /api route open to attorneys."""
    routes = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        roles = allowed_roles(app.view_functions[rule.endpoint])
        if roles is None or "attorney" not in roles:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            routes.append((method, rule.rule, ID_PARAM.findall(rule.rule)))
    return routes


@pytest.fixture
def other_firms_records(app, world):
    """Ids of records that belong to the `world` firm, by URL parameter name."""
    from lienrx.attestations import services as attestations
    from lienrx.case_documents import services as case_documents
    from lienrx.dispensing import services as dispensing
    from lienrx.reduction_requests import services as reduction_requests
    from lienrx.settlement import payoff
    from lienrx.webhooks import services as webhooks
    from tests.formulary.factories import (
        GABAPENTIN_300_NDC,
        load_products,
        prescription,
        receive_ndc_lot,
    )

    with app.app_context():
        load_products("GABA-CAP-300")
        rx = prescription(world.case_id, world.prescriber_id, "GABA-CAP-300")
        pharmacist = factories.user("pharmacist")
        fill = dispensing.dispense(pharmacist, dispensing.DispenseRequest(
            prescription_id=rx.id, quantity=rx.quantity, days_supply=30,
            ndc=GABAPENTIN_300_NDC,
            lot_number=receive_ndc_lot(GABAPENTIN_300_NDC, "GB2291A").lot_number))
        attestation = attestations.issue_attestation(pharmacist, world.case_id)
        request = reduction_requests.file_request(
            factories.user("billing"), world.case_id, method="amount", value=1_000,
            reason="scoping walk")
        document = case_documents.upload(None, world.case_id, file=b"%PDF-1.7 scoping walk",
                                         kind="other")
        statement = payoff.issue_statement(factories.user("billing"), world.case_id)
        webhook, _ = webhooks.create(factories.user("billing"), law_firm_id=world.firm_id,
                                     url="https://cms.example/hooks", events=["new_fill"])
        db.session.commit()
        return {"case_id": world.case_id, "reduction_request_id": request.id,
                "dispense_id": fill.id, "attestation_id": attestation.id,
                "document_id": document.id, "statement_id": statement.id,
                "webhook_id": webhook.id}


def test_attorney_routes_are_known(app):
    routes = attorney_routes(app)
    assert ("GET", "/api/v1/cases/<int:case_id>", ["case_id"]) in routes
    assert ("GET", "/api/v1/me", []) in routes


def test_every_attorney_route_answers_404_for_another_firms_ids(app, api_as, world,
                                                                other_firms_records):
    outsider = api_as("attorney")
    insider = api_as("attorney", firm=world.firm_id)
    checked = 0
    for method, rule, params in attorney_routes(app):
        if not params:
            continue
        missing = [p for p in params if p not in other_firms_records]
        assert not missing, f"teach the walk to make a record for {missing} ({rule})"
        path = ID_PARAM.sub(lambda m: str(other_firms_records[m.group(1)]), rule)
        path += next((q for suffix, q in SAMPLE_QUERIES.items() if rule.endswith(suffix)), "")
        calls = {"GET": outsider.get, "DELETE": outsider.delete}
        response = calls.get(method, lambda p: outsider.post(p, json={}))(path)
        assert response.status_code == 404, (method, path, response.status_code)
        assert response.json["code"] == "not_found"
        if method == "GET" and not rule.endswith(CREATED_LATER):
            assert insider.get(path).status_code == 200, (method, path)
        checked += 1
    assert checked >= 1


def test_attorney_case_list_hides_other_firms(api_as, app, world):
    with app.app_context():
        factories.case(factories.law_firm())
        db.session.commit()
    assert api_as("attorney").get("/api/v1/cases").json == []
