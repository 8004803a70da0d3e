"""API.md conventions: lists are JSON arrays paged by ``?page=&page_size=`` (default 50, max
500), and every list reports its whole size (``X-Total-Count`` and ``X-Pagination``)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from lienrx.extensions import db
from tests import factories

PAGED_LISTS = ("/api/v1/cases", "/api/v1/law-firms", "/api/v1/reduction-requests",
               "/api/v1/patients?last_name=Doe&date_of_birth=1980-01-01", "/api/v1/products",
               "/api/v1/cases/{case_id}/attestations",
               "/api/v1/cases/{case_id}/payoff-statements",
               "/api/v1/cases/{case_id}/reduction-requests")


def firm_with_cases(app: Any, count: int) -> Any:
    with app.app_context():
        firm = factories.law_firm()
        ids = [factories.case(firm, active=False).id for _ in range(count)]
        db.session.commit()
        return firm.id, ids


def metadata(response: Any) -> dict[str, Any]:
    return json.loads(response.headers["X-Pagination"])


def test_total_is_reported_on_each_of_three_pages(app, api_as):
    firm_id, ids = firm_with_cases(app, 7)
    attorney = api_as("attorney", firm=firm_id)
    seen: list[int] = []
    for page, size in ((1, 3), (2, 3), (3, 1)):
        response = attorney.get(f"/api/v1/cases?page={page}&page_size=3")
        assert response.status_code == 200
        body = response.get_json()
        assert isinstance(body, list) and len(body) == size
        assert response.headers["X-Total-Count"] == "7"
        meta = metadata(response)
        assert (meta["total"], meta["total_pages"], meta["page"]) == (7, 3, page)
        seen += [c["id"] for c in body]
    assert seen == sorted(ids, reverse=True)  # newest first, nothing twice, nothing missed


def test_page_beyond_the_end_is_empty_with_the_right_total(app, api_as):
    firm_id, _ = firm_with_cases(app, 4)
    attorney = api_as("attorney", firm=firm_id)
    response = attorney.get("/api/v1/cases?page=9&page_size=2")
    assert response.status_code == 200
    assert response.get_json() == []
    assert response.headers["X-Total-Count"] == "4"
    assert metadata(response)["total_pages"] == 2
    far = attorney.get("/api/v1/cases?page=99999999999&page_size=500")
    assert (far.status_code, far.get_json(), far.headers["X-Total-Count"]) == (200, [], "4")


def test_default_page_is_fifty_and_page_size_is_capped_at_five_hundred(app, api_as):
    with app.app_context():
        for _ in range(52):
            factories.law_firm()
        db.session.commit()
    billing = api_as("billing")
    first = billing.get("/api/v1/law-firms")
    assert len(first.get_json()) == 50
    assert int(first.headers["X-Total-Count"]) >= 52
    too_big = billing.get("/api/v1/law-firms?page_size=501")
    assert too_big.status_code == 422
    assert too_big.get_json()["code"] == "validation_failed"
    assert "page_size" in too_big.get_json()["errors"]
    assert billing.get("/api/v1/law-firms?page=0").status_code == 422


def test_status_filter_and_paging_combine(app, api_as):
    with app.app_context():
        firm = factories.law_firm()
        for _ in range(3):
            factories.case(firm, active=True)
        factories.case(firm, active=False)
        db.session.commit()
        firm_id = firm.id
    attorney = api_as("attorney", firm=firm_id)
    response = attorney.get("/api/v1/cases?status=active&page_size=2")
    assert len(response.get_json()) == 2
    assert response.headers["X-Total-Count"] == "3"


@pytest.mark.parametrize("path", PAGED_LISTS)
def test_every_list_reports_its_total(app, api_as, world, path):
    role = "pharmacist" if "attestations" in path or "patients" in path else "billing"
    response = api_as(role).get(path.format(case_id=world.case_id))
    assert response.status_code == 200
    assert isinstance(response.get_json(), list)
    assert int(response.headers["X-Total-Count"]) == metadata(response)["total"]


def test_openapi_documents_the_paging_headers_and_parameters(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    operation = spec["paths"]["/api/v1/cases"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert {"page", "page_size", "status"} <= names
    headers = operation["responses"]["200"]["headers"]
    assert {"X-Pagination", "X-Total-Count"} <= set(headers)
    page_size = next(p for p in operation["parameters"] if p["name"] == "page_size")
    assert (page_size["schema"]["default"], page_size["schema"]["maximum"]) == (50, 500)
