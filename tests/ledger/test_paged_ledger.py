"""API.md: `GET /cases/{id}/ledger` answers the totals over the whole ledger and one page of its
entries, paged like every list (`?page=&page_size=`, default 50, the count in `X-Total-Count`
and `X-Pagination`); `GET /cases/{id}/ledger.csv` streams every entry."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa

from lienrx.core import clock
from lienrx.disclosures.models import Disclosure
from lienrx.extensions import db
from lienrx.ledger import export
from lienrx.ledger import queries as ledger_queries
from lienrx.ledger import services as ledger
from tests import factories
from tests.sql import selects, sent

ENTRY_FIELDS = {"id", "kind", "amount", "posted_at", "occurred_on", "memo", "dispense_id"}
TOTALS = {"charges", "reversals", "reductions", "payments", "write_offs", "refunds"}


def post_entries(app: Any, case_id: int, charges: int, *, paid: int = 0,
                 memo: str = "Fill") -> list[int]:
    """``charges`` charges of 10.00, 10.01, … then a payment of ``paid`` cents: entry ids."""
    with app.app_context():
        receivable = ledger.receivable(case_id)
        ids = [factories.ledger_charge(case_id, 1000 + i, memo=f"{memo} {i + 1}").id
               for i in range(charges)]
        if paid:
            ids.append(ledger.post_entry(
                kind="payment", case_id=case_id, occurred_on=date(2026, 11, 20),
                memo="Check 1001", lines=[(receivable, -paid), (ledger.book(ledger.CASH), paid)]
            ).id)
        db.session.commit()
        return ids


def charged(count: int) -> int:
    """Cents charged by ``post_entries`` for ``count`` charges."""
    return sum(1000 + i for i in range(count))


def pagination(response: Any) -> dict[str, Any]:
    return json.loads(response.headers["X-Pagination"])


def test_ledger_shows_fifty_entries_by_default_and_counts_them_all(app, api_as, world):
    ids = post_entries(app, world.case_id, 120)
    response = api_as("billing").get(f"/api/v1/cases/{world.case_id}/ledger")
    assert response.status_code == 200
    body = response.get_json()
    assert [e["id"] for e in body["entries"]] == ids[:50]  # posting order
    assert response.headers["X-Total-Count"] == "120"
    assert (pagination(response)["total"], pagination(response)["total_pages"]) == (120, 3)


def test_ledger_page_two_continues_in_posting_order(app, api_as, world):
    ids = post_entries(app, world.case_id, 120)
    billing = api_as("billing")
    second = billing.get(f"/api/v1/cases/{world.case_id}/ledger?page=2")
    assert [e["id"] for e in second.get_json()["entries"]] == ids[50:100]
    assert pagination(second)["page"] == 2
    last = billing.get(f"/api/v1/cases/{world.case_id}/ledger?page=4&page_size=30")
    assert [e["id"] for e in last.get_json()["entries"]] == ids[90:]
    assert last.headers["X-Total-Count"] == "120"


def test_ledger_page_past_the_end_has_no_entries_but_the_totals_and_count(app, api_as, world):
    post_entries(app, world.case_id, 60, paid=5_000)
    response = api_as("pharmacist").get(f"/api/v1/cases/{world.case_id}/ledger?page=9")
    assert response.status_code == 200
    body = response.get_json()
    assert body["entries"] == []
    assert body["balance"] == f"{(charged(60) - 5_000) / 100:.2f}"
    assert body["totals"]["payments"] == "50.00"
    assert response.headers["X-Total-Count"] == "61"


@pytest.mark.parametrize("query", ["page=0", "page=two", "page_size=0", "page_size=501",
                                   "page=-1"])
def test_a_bad_page_is_a_422_like_the_other_lists(api_as, world, query):
    response = api_as("billing").get(f"/api/v1/cases/{world.case_id}/ledger?{query}")
    assert response.status_code == 422
    assert response.get_json()["code"] == "validation_failed"
    assert set(response.get_json()["errors"]) == {query.split("=")[0]}


def test_totals_and_balance_cover_the_whole_ledger_on_every_page(app, api_as, world):
    post_entries(app, world.case_id, 75, paid=20_000)
    billing = api_as("billing")
    pages = [billing.get(f"/api/v1/cases/{world.case_id}/ledger?page={n}&page_size=25")
             .get_json() for n in (1, 2, 3, 4)]
    assert [len(p["entries"]) for p in pages] == [25, 25, 25, 1]
    assert all(p["totals"] == pages[0]["totals"] and p["balance"] == pages[0]["balance"]
               for p in pages)
    assert pages[0]["totals"]["charges"] == f"{charged(75) / 100:.2f}"
    assert pages[0]["totals"]["payments"] == "200.00"
    every_amount = [e["amount"] for p in pages for e in p["entries"]]
    assert sum(round(float(a) * 100) for a in every_amount) == charged(75) - 20_000
    assert pages[0]["balance"] == f"{(charged(75) - 20_000) / 100:.2f}"


def test_a_ledger_under_one_page_keeps_the_shape_it_had(app, api_as, world):
    ids = post_entries(app, world.case_id, 3, paid=1_000)
    for client in (api_as("billing"), api_as("attorney", firm=world.firm_id)):
        body = client.get(f"/api/v1/cases/{world.case_id}/ledger").get_json()
        assert set(body) == {"case_id", "balance", "totals", "entries"}
        assert set(body["totals"]) == TOTALS
        assert [e["id"] for e in body["entries"]] == ids
        assert all(set(e) == ENTRY_FIELDS for e in body["entries"])
        assert [e["amount"] for e in body["entries"]] == ["10.00", "10.01", "10.02", "-10.00"]
        assert body["balance"] == "20.03"


def test_ledger_page_reads_only_its_own_entries(app, world):
    post_entries(app, world.case_id, 120)
    with app.app_context():
        pages: list[Any] = []

        def second_page() -> None:
            pages.append(ledger_queries.case_ledger(world.case_id, page=2))

        reads = selects(sent(second_page, db.engine))
    found = pages[0]
    assert (len(found.entries), found.entries.total) == (50, 120)
    assert found.entries[0].running == charged(51)  # the balance after entry 51
    assert len(reads) == 2  # the totals (with the count), then the page
    assert "GROUP BY" in reads[0] and "LIMIT" in reads[1]


def csv_rows(response: Any) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_ledger_csv_lists_every_entry_with_the_balance_after_it(app, api_as, world):
    ids = post_entries(app, world.case_id, 120, paid=30_000)
    with app.app_context():
        factories.ledger_charge(world.case_id, 500, memo="=HYPERLINK(\"http://x.example\")")
        db.session.commit()
    response = api_as("billing").get(f"/api/v1/cases/{world.case_id}/ledger.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="ledger-case-{world.case_id}.csv"')
    header, *rows = csv_rows(response)
    assert header == list(export.CSV_HEADER)
    assert [int(r[0]) for r in rows[:-1]] == ids and len(rows) == 122
    assert rows[0][1:6] == [clock.today().isoformat(), "charge", "Fill 1", "10.00", "10.00"]
    assert rows[120][2:6] == ["payment", "Check 1001", "-300.00",
                              f"{(charged(120) - 30_000) / 100:.2f}"]
    assert rows[-1][3] == "'=HYPERLINK(\"http://x.example\")"  # never run as a formula
    assert rows[-1][5] == f"{(charged(120) - 30_000 + 500) / 100:.2f}"


def test_ledger_csv_streams_from_a_cursor_read_in_batches(app, world, monkeypatch):
    post_entries(app, world.case_id, 120)
    monkeypatch.setattr(export, "CHUNK_ROWS", 10)
    streamed: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any,
             executemany: bool) -> None:
        if context.execution_options.get("yield_per"):
            streamed.append(type(cursor).__name__)

    with app.test_request_context():
        sa.event.listen(db.engine, "before_cursor_execute", seen)
        try:
            response = export.csv_response(world.case_id)
            assert response.is_streamed
            assert streamed == []  # nothing is read until the body is sent
            chunks = list(response.response)
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", seen)
        dialect = db.engine.dialect.name
    assert len(chunks) == 1 + 12  # the header, then 10 rows at a time
    assert sum(chunk.count("\n") for chunk in chunks) == 121
    assert len(streamed) == 1
    if dialect == "postgresql":
        assert streamed == ["ServerCursor"]  # rows stay on the server until fetched


def test_ledger_csv_arrives_in_chunks_over_http(app, api_as, world, monkeypatch):
    post_entries(app, world.case_id, 30)
    monkeypatch.setattr(export, "CHUNK_ROWS", 10)
    response = api_as("pharmacist").get(f"/api/v1/cases/{world.case_id}/ledger.csv")
    assert response.status_code == 200
    assert len(list(response.response)) == 1 + 3


def test_reading_the_csv_is_audited_and_disclosed_like_the_ledger(app, api_as, world):
    post_entries(app, world.case_id, 2)
    counsel = api_as("attorney", firm=world.firm_id)
    assert counsel.get(f"/api/v1/cases/{world.case_id}/ledger.csv").status_code == 200
    with app.app_context():
        disclosed = db.session.execute(
            sa.select(Disclosure.what).where(Disclosure.user_id == counsel.user_id)).scalars()
        assert list(disclosed) == ["ledger"]


@pytest.mark.parametrize("path", ["ledger", "ledger.csv"])
def test_attorney_of_another_firm_gets_404(app, api_as, world, path):
    post_entries(app, world.case_id, 2)
    response = api_as("attorney").get(f"/api/v1/cases/{world.case_id}/{path}")
    assert response.status_code == 404
    assert response.get_json()["code"] == "not_found"


@pytest.mark.parametrize("path", ["ledger", "ledger.csv"])
def test_attorney_without_a_hipaa_authorization_gets_403(app, api_as, world, path):
    with app.app_context():
        case_id = factories.case(db.session.get(factories.LawFirm, world.firm_id),
                                 authorized=False).id
        factories.ledger_charge(case_id, 1000)
        db.session.commit()
    response = api_as("attorney", firm=world.firm_id).get(f"/api/v1/cases/{case_id}/{path}")
    assert response.status_code == 403
    assert response.get_json()["code"] == "hipaa_authorization_required"
    assert "Fill" not in response.get_data(as_text=True)


def test_technician_may_not_download_the_ledger(api_as, world):
    response = api_as("technician").get(f"/api/v1/cases/{world.case_id}/ledger.csv")
    assert (response.status_code, response.get_json()["code"]) == (403, "forbidden")
