"""GET /api/v1/reports/aging and its workbook: money strings by firm, 422 on a bad as_of,
billing and admin only; the workbook opens with openpyxl and says what the JSON says."""

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from lienrx.core.problems import PROBLEM_JSON
from lienrx.extensions import db
from lienrx.reports.rules import BUCKET_NAMES
from tests import factories

AS_OF = date(2026, 6, 30)
AGING, XLSX = "/api/v1/reports/aging", "/api/v1/reports/aging.xlsx"


@pytest.fixture
def books(app):
    with app.app_context():
        one, two = factories.law_firm("Alder & Co"), factories.law_firm("=Birch LLP")
        factories.ledger_charge(factories.case(one).id, 12345, occurred_on=AS_OF)
        factories.ledger_charge(factories.case(one).id, 100, occurred_on=AS_OF - timedelta(200))
        factories.ledger_charge(factories.case(two).id, 99999,
                                occurred_on=AS_OF - timedelta(800))
        db.session.commit()
        return one.id, two.id


def test_aging_answers_each_firms_buckets_as_money_strings(api_as, books):
    answer = api_as("billing").get(f"{AGING}?as_of={AS_OF.isoformat()}")

    assert answer.status_code == 200
    by_firm = {row["law_firm_id"]: row for row in answer.json}
    assert by_firm[books[0]] == {
        "law_firm_id": books[0], "law_firm": "Alder & Co", "total": "124.45",
        "buckets": {"0-90": "123.45", "91-180": "0.00", "181-365": "1.00", "366-730": "0.00",
                    "731+": "0.00"}}
    assert by_firm[books[1]]["buckets"]["731+"] == "999.99"


def test_as_of_defaults_to_today(api_as, books):
    answer = api_as("admin").get(AGING)

    assert answer.status_code == 200
    assert {row["law_firm_id"] for row in answer.json} >= set(books)


@pytest.mark.parametrize("as_of", ["yesterday", "2026-02-30", "2999-01-01"])
def test_an_as_of_that_is_not_a_past_date_is_422_on_as_of(api_as, as_of):
    answer = api_as("billing").get(f"{AGING}?as_of={as_of}")

    assert (answer.status_code, answer.mimetype) == (422, PROBLEM_JSON)
    assert "as_of" in answer.json["errors"]


@pytest.mark.parametrize("role", ["pharmacist", "technician", "attorney"])
def test_only_billing_and_admin_see_the_aging(api_as, role):
    assert api_as(role).get(AGING).status_code == 403
    assert api_as(role).get(XLSX).status_code == 403


def test_the_aging_workbook_opens_and_matches_the_json(api_as, books):
    billing = api_as("billing")
    as_json = billing.get(f"{AGING}?as_of={AS_OF.isoformat()}").json
    answer = billing.get(f"{XLSX}?as_of={AS_OF.isoformat()}")

    assert answer.status_code == 200
    book = load_workbook(io.BytesIO(answer.data))
    assert book.sheetnames == ["Aging", "Limitation risk", "Quiet liens", "About"]
    rows = list(book["Aging"].iter_rows(values_only=True))
    assert rows[0] == ("Law firm ID", "Law firm", *(f"{n} days" for n in BUCKET_NAMES), "Total")
    firms = rows[1:-1]
    assert [(r[0], r[1]) for r in firms] == [(f["law_firm_id"], f["law_firm"]) for f in as_json]
    for row, firm in zip(firms, as_json, strict=True):
        expected = [firm["buckets"][n] for n in BUCKET_NAMES] + [firm["total"]]
        assert [Decimal(str(v)) for v in row[2:]] == [Decimal(v) for v in expected]
    assert rows[-1][0] == "Total"
    [birch] = [c for c in book["Aging"]["B"] if c.value == "=Birch LLP"]
    assert birch.quotePrefix  # text, never a formula
    totals = load_workbook(io.BytesIO(answer.data), data_only=True)["Aging"]
    total = Decimal(str(totals.cell(totals.max_row, 8).value))
    assert total == sum(Decimal(f["total"]) for f in as_json)
