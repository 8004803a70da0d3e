"""The pages that must stay fast as the book grows read the large tables through indexes.

A book of 500 cases in 100 firms (firms of 5, so one firm is as small a share of the book as
at ten times the benchmark's size, and the work queue checks as small a share of the fillable
prescriptions) is built and ANALYZEd; each page ``bench/scale.py`` times is requested as its
user, every SELECT it sent is captured and EXPLAINed with its own parameters, and no plan may
read a large table by a sequential scan. Large: at least ``LARGE_PAGES`` pages here, which
are the audit trail, the journal and its postings, and dispenses; smaller tables (cases,
patients, prescriptions) are small enough here that PostgreSQL rightly reads them whole.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from lienrx.auth import services as auth
from lienrx.cases.models import Case
from lienrx.dispensing import queries as dispensing_queries
from lienrx.extensions import db
from tests.perf import book

pytestmark = pytest.mark.postgres_only

CASES_SCALE = 0.5  # 500 cases
FIRM_SIZE = 5
# A table is large when reading it whole costs at least this many pages here (ten times
# that at 10x): the journal, the audit trail, dispenses, patients, prescriptions...
LARGE_PAGES = 50
SCANNED = 25  # of about 900 fillable prescriptions: 500 of 18,000 at 10x
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@pytest.fixture
def built(app: Flask) -> Iterator[dict[str, Any]]:
    """The book, analysed; afterwards the space its rows took is vacuumed back."""
    from datetime import timedelta

    with app.app_context():
        _autocommit("VACUUM FULL")  # earlier tests' deleted rows would make small tables large
        made = book.build(CASES_SCALE, audit_per_case=20, firm_size=FIRM_SIZE)
        token, _ = auth.issue_token(made.users.billing, timedelta(hours=1))
        db.session.commit()
        case_ids = list(db.session.execute(
            sa.select(Case.id).where(Case.law_firm_id == made.firm_id,
                                     Case.status == "active").order_by(Case.id)).scalars())
        _autocommit("ANALYZE")
        large = dict(db.session.execute(sa.text(
            "SELECT relname, relpages FROM pg_class WHERE relkind = 'r' AND relnamespace = "
            "'public'::regnamespace AND relpages >= :pages"), {"pages": LARGE_PAGES}).all())
        db.session.remove()
    yield {"token": token, "case_ids": case_ids, "large": large}
    with app.app_context():
        db.session.remove()
        from tests.conftest import _reset_database

        _reset_database(app)
        _autocommit("VACUUM ANALYZE")


def _autocommit(sql: str) -> None:
    with db.engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(sql)


def _signed_in(app: Flask, email: str) -> Any:
    client = app.test_client()
    token = CSRF.search(client.get("/login").get_data(as_text=True))
    assert token
    answer = client.post("/login", data={"email": email, "password": book.PASSWORD,
                                         "csrf_token": token.group(1)})
    assert answer.status_code == 302
    return client


def _selects(app: Flask, client: Any, url: str, headers: dict[str, str]) -> list[Any]:
    """Every SELECT the request sent, with its parameters."""
    seen: list[Any] = []

    def capture(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any,
                executemany: bool) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "WITH")) and not executemany:
            seen.append((statement, parameters))

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", capture)
    try:
        answer = client.get(url, headers=headers)
    finally:
        sa.event.remove(engine, "before_cursor_execute", capture)
    assert answer.status_code == 200, (url, answer.status_code)
    return seen


def _seq_scans(plan: dict[str, Any]) -> Iterator[str]:
    if plan.get("Node Type") == "Seq Scan":
        yield plan["Relation Name"]
    for child in plan.get("Plans", ()):
        yield from _seq_scans(child)


def test_timed_pages_read_large_tables_through_indexes(
        app: Flask, built: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    # the work queue checks as large a share of the fillable prescriptions as at 10x
    monkeypatch.setattr(dispensing_queries, "SCANNED", SCANNED)
    clients = {"attorney": _signed_in(app, "counsel@bench.test"),
               "pharmacist": _signed_in(app, "rph@bench.test"), "billing": app.test_client()}
    bearer = {"Authorization": f"Bearer {built['token']}"}
    found = []
    for name, (who, urls) in book.hot_pages(built["case_ids"][:2]).items():
        for url in urls:
            headers = bearer if who == "billing" else {}
            for statement, parameters in _selects(app, clients[who], url, headers):
                with app.app_context():
                    raw = db.session.connection().exec_driver_sql(
                        "EXPLAIN (FORMAT JSON) " + statement, parameters).scalar_one()
                    db.session.remove()
                scans = sorted(set(_seq_scans(raw[0]["Plan"])) & built["large"].keys())
                if scans:
                    found.append(f"{name} {url}: Seq Scan on {', '.join(scans)} (large here: "
                                 f"{', '.join(sorted(built['large']))}) in\n"
                                 f"{' '.join(statement.split())[:400]}")
    assert not found, "\n\n".join(found)
