"""The firm's case list: columns, search, status filter, sort, pages, quiet flag, one query."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from lienrx.cases import services as cases
from lienrx.core import clock
from lienrx.extensions import db
from tests import factories
from tests.portal.conftest import sign_in


def rows(response) -> list[str]:
    """The client names of the listed cases, in order."""
    html = response.get_data(as_text=True)
    return re.findall(r'data-label="Client"><a href="/portal/cases/\d+">([^<]+)</a>', html)


@pytest.fixture
def firm(app, world):
    """Three more cases on the world firm: one charged $500, one on hold, one closed."""
    with app.app_context():
        firm = db.session.get(factories.LawFirm, world.firm_id)
        rich = factories.case(firm, firm_file_number="BIG-500",
                              patient_id=factories.patient(first_name="Avery",
                                                           last_name="Stone").id)
        factories.ledger_charge(rich.id, 50_000)
        held = factories.case(firm, firm_file_number="HOLD-1")
        cases.hold_case(None, held.id, "client unreachable")
        closed = factories.case(firm, firm_file_number="DONE-1", active=False)
        cases.transition(None, closed, "closed_no_recovery", "dropped")
        db.session.commit()
        return {"rich": rich.id, "held": held.id, "closed": closed.id}


def test_case_list_shows_client_file_number_status_balance_last_fill_next_refill(counsel,
                                                                                 book):
    html = counsel.get("/portal/").get_data(as_text=True)
    assert book.client_name in html and book.file_number in html
    assert "Active" in html and "$105.00" in html
    assert str(clock.today() - timedelta(days=20)) in html  # last fill
    # gabapentin is Schedule V in TN: the next fill is due after 0.80 × 30 = 24 days
    assert str(clock.today() - timedelta(days=20) + timedelta(days=24)) in html


def test_case_list_shows_only_the_attorneys_firm(counsel, book):
    html = counsel.get("/portal/").get_data(as_text=True)
    assert "THEIRS-1" not in html
    assert f"/portal/cases/{book.other_case_id}" not in html


def test_search_finds_a_client_by_name_or_file_number(counsel, book, firm):
    assert rows(counsel.get("/portal/?q=avery st")) == ["Avery Stone"]
    assert rows(counsel.get("/portal/?q=stone, avery")) == ["Avery Stone"]
    assert rows(counsel.get("/portal/?q=big-5")) == ["Avery Stone"]
    assert rows(counsel.get(f"/portal/?q={book.file_number}")) == [book.client_name]
    assert rows(counsel.get("/portal/?q=THEIRS")) == []  # another firm's file number
    assert rows(counsel.get("/portal/?q=%25")) == []  # LIKE wildcards are literal


def test_status_filter_uses_the_portal_statuses(counsel, book, firm):
    assert len(rows(counsel.get("/portal/?status=active"))) == 2
    assert len(rows(counsel.get("/portal/?status=on_hold"))) == 1
    closed = counsel.get("/portal/?status=closed").get_data(as_text=True)
    assert "DONE-1" in closed and 'badge-closed_no_recovery">Closed<' in closed
    assert len(rows(counsel.get("/portal/?status=intake"))) == 0


def test_sort_by_balance_and_by_last_fill(counsel, book, firm):
    by_balance = rows(counsel.get("/portal/?sort=balance_desc"))
    assert by_balance[:2] == ["Avery Stone", book.client_name]
    assert rows(counsel.get("/portal/?sort=balance_asc"))[-2:] == [book.client_name,
                                                                   "Avery Stone"]
    # only the book's case has fills; cases without one sort last either way
    assert rows(counsel.get("/portal/?sort=last_fill_desc"))[0] == book.client_name
    assert rows(counsel.get("/portal/?sort=last_fill_asc"))[0] == book.client_name


def test_case_list_is_paginated(app, counsel, book):
    with app.app_context():
        firm = db.session.get(factories.LawFirm, book.firm_id)
        for _ in range(26):
            factories.case(firm, active=False)
        db.session.commit()
    first = counsel.get("/portal/").get_data(as_text=True)
    assert "27 cases" in first and "Page 1 of 2" in first and 'rel="next"' in first
    second = counsel.get("/portal/?page=2")
    assert len(rows(second)) == 2 and 'rel="prev"' in second.get_data(as_text=True)


def test_bad_list_arguments_fall_back_instead_of_failing(counsel, book):
    for query in ("page=abc", "page=0", "page=99999999999", "sort=drop", "status=nope",
                  "q=" + "x" * 5000):
        assert counsel.get(f"/portal/?{query}").status_code == 200, query


def test_quiet_lien_flag_after_n_days_without_a_fill(app, counsel, book, monkeypatch):
    assert "No fill for" not in counsel.get("/portal/").get_data(as_text=True)
    monkeypatch.setitem(app.config, "LIENRX_QUIET_LIEN_DAYS", 20)
    assert "No fill for 20 days" in counsel.get("/portal/").get_data(as_text=True)
    clock.freeze(clock.utcnow() + timedelta(days=30))
    sign_in(counsel, book.attorney_email)  # the idle timeout signed the session out
    monkeypatch.setitem(app.config, "LIENRX_QUIET_LIEN_DAYS", 45)
    assert "No fill for 50 days" in counsel.get("/portal/").get_data(as_text=True)


def test_quiet_lien_default_is_45_days(app):
    assert app.config["LIENRX_QUIET_LIEN_DAYS"] == 45


def test_case_list_query_count_does_not_grow_with_rows(app, counsel, book):
    def statements_for_list() -> int:
        seen: list[str] = []

        def count(conn, cursor, statement, *args):
            seen.append(statement)

        with app.app_context():
            engine = db.engine
        sa.event.listen(engine, "before_cursor_execute", count)
        try:
            assert counsel.get("/portal/").status_code == 200
        finally:
            sa.event.remove(engine, "before_cursor_execute", count)
        return len(seen)

    few = statements_for_list()
    with app.app_context():
        firm = db.session.get(factories.LawFirm, book.firm_id)
        for n in range(8):
            case = factories.case(firm)
            factories.ledger_charge(case.id, 1_000 + n)
        db.session.commit()
    assert statements_for_list() == few


def test_staff_and_anonymous_cannot_open_the_portal(app, client, book):
    assert client.get("/portal/").status_code == 302  # to sign-in
    with app.app_context():
        factories.user("billing", email="desk@example.test")
        db.session.commit()
    sign_in(client, "desk@example.test")
    assert client.get("/portal/").status_code == 403
    assert client.get(f"/portal/cases/{book.case_id}").status_code == 403


def test_attorney_lands_on_the_portal_after_sign_in(client, book):
    token_page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', token_page).group(1)
    response = client.post("/login", data={"email": book.attorney_email, "csrf_token": token,
                                           "password": factories.PASSWORD})
    assert response.headers["Location"] == "/portal/"


def test_case_list_is_an_audit_event_without_phi(app, counsel, book):
    from lienrx.audit.models import AuditEvent

    counsel.get(f"/portal/?q={book.client_name}")
    with app.app_context():
        event = db.session.execute(sa.select(AuditEvent).where(
            AuditEvent.action == "portal.cases_listed")).scalar_one()
        assert event.details == {"count": 1, "page": 1, "searched": True}
