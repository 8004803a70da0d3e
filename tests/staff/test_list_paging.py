"""Staff lists page and search, and say how much they show: nothing is cut silently."""

from __future__ import annotations

import re
from typing import Any

from lienrx.extensions import db
from lienrx.reduction_requests import services as reduction_requests
from tests import factories
from tests.staff.conftest import text

CASE_LINK = re.compile(r'href="/staff/(?:billing/)?cases/(\d+)"')


def open_cases(app: Any, count: int, **fields: Any) -> list[int]:
    with app.app_context():
        firm = factories.law_firm()
        ids = [factories.case(firm, active=False, **fields).id for _ in range(count)]
        db.session.commit()
        return ids


def shown(response: Any) -> list[int]:
    return [int(i) for i in CASE_LINK.findall(response.get_data(as_text=True))]


def test_staff_case_list_shows_page_two_and_the_count(app, staff):
    ids = open_cases(app, 120)
    desk = staff("pharmacist")
    first = desk.get("/staff/cases")
    assert "Showing 1–50 of 120 cases" in text(first)
    assert shown(first) == sorted(ids, reverse=True)[:50]
    assert 'href="/staff/cases?page=2"' in first.get_data(as_text=True)
    second = desk.get("/staff/cases?page=2")
    assert second.status_code == 200
    assert "Showing 51–100 of 120 cases" in text(second)
    assert shown(second) == sorted(ids, reverse=True)[50:100]
    last = desk.get("/staff/cases?page=3")
    assert "Showing 101–120 of 120 cases" in text(last)
    assert "Next" not in text(last)
    beyond = desk.get("/staff/cases?page=9")
    assert "Nothing on page 9; 120 in all" in text(beyond)
    assert desk.get("/staff/cases?page=banana").status_code == 200


def test_staff_case_search_matches_client_name_or_file_number(app, staff):
    with app.app_context():
        firm = factories.law_firm()
        wanted = factories.case(firm, active=False,
                                patient_id=factories.patient(last_name="Okonkwo").id,
                                firm_file_number="PI-2024-0001").id
        by_file = factories.case(firm, active=False, firm_file_number="PI-2024-0777").id
        other = factories.case(firm, active=False, firm_file_number="ZZ-1").id
        db.session.commit()
    desk = staff("billing")
    found = desk.get("/staff/cases?q=okonk")
    assert shown(found) == [wanted]
    assert "Showing 1–1 of 1 cases" in text(found)
    assert shown(desk.get("/staff/cases?q=PI-2024")) == [by_file, wanted]
    assert shown(desk.get("/staff/cases?q=PI-2024&status=active")) == []
    assert other not in shown(desk.get("/staff/cases?q=0777"))
    # the search survives paging links
    assert "Search" in text(found)


def test_billing_desk_shows_more_than_two_hundred_cases_across_pages(app, staff):
    ids = open_cases(app, 230)
    desk = staff("billing")
    seen: list[int] = []
    for page in range(1, 6):
        response = desk.get(f"/staff/billing/?status=intake&page={page}")
        assert response.status_code == 200
        seen += shown(response)[:50]
    assert "Showing 201–230 of 230 cases" in text(response)
    assert sorted(set(seen)) == sorted(ids)


def test_billing_desk_requests_page_and_search(app, staff, world):
    with app.app_context():
        billing = factories.user("billing")
        firm = factories.law_firm()
        named = factories.case(firm, patient_id=factories.patient(last_name="Vasquez").id)
        factories.ledger_charge(named.id, 50_000)
        factories.ledger_charge(world.case_id, 50_000)
        mine = reduction_requests.file_request(billing, named.id, method="amount",
                                               value=1_000, reason="Vasquez policy limits")
        for i in range(55):
            reduction_requests.file_request(billing, world.case_id, method="amount",
                                            value=100 + i, reason=f"request {i}")
        db.session.commit()
        acknowledgment = mine.acknowledgment_number
    desk = staff("billing")
    page = text(desk.get("/staff/billing/"))
    assert "Showing 1–50 of 56 requests" in page
    second = text(desk.get("/staff/billing/?rr_page=2"))
    assert "Showing 51–56 of 56 requests" in second
    found = text(desk.get("/staff/billing/?rr_q=vasq"))
    assert "Showing 1–1 of 1 requests" in found and acknowledgment in found
    assert "None found" in text(desk.get("/staff/billing/?rr_status=accepted"))


def test_work_queue_says_how_many_it_does_not_list(app, staff, monkeypatch):
    from lienrx.workqueue import rules

    open_cases(app, 4)
    monkeypatch.setattr(rules, "PAGE_SIZE", 3)
    desk = staff("billing")
    page = text(desk.get("/staff/"))
    assert "Intake 4 " in page and "Showing 1–3 of 4 items" in page
    assert "Showing 4–4 of 4 items" in text(desk.get("/staff/?page=2"))
