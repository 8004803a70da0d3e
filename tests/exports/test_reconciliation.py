"""The reconciliation workbook read back with openpyxl: sheets, formats, safety, totals."""

import io
import re
import zipfile
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from lienrx.audit.models import AuditEvent
from lienrx.cases.models import Case
from lienrx.core import clock
from lienrx.core.spreadsheets import MONEY
from lienrx.exports.reconciliation import ADJUSTMENTS, CHARGES, PAYMENTS, SIGNS, SUMMARY
from lienrx.extensions import db
from lienrx.ledger import services as ledger
from lienrx.ledger.models import JournalEntry
from lienrx.ledger.queries import case_balances
from lienrx.parties.models import LawFirm
from lienrx.settlement.queries import case_totals
from tests import factories

XLSX = "/api/v1/reconciliations.xlsx"
HOSTILE = ['=HYPERLINK("http://evil","x")', "+1+2", "-3+cmd|' /C calc'!A0", "@SUM(A1)"]


@pytest.fixture
def books(app, api_as, world):
    """Two firms' cases with charges, a reversal, settlement money and hostile memos."""
    billing = api_as("billing")
    with app.app_context():
        firm = db.session.get(LawFirm, world.firm_id)
        other = factories.case(factories.law_firm("=Other Firm"), firm_file_number="+FILE")
        factories.ledger_charge(world.case_id, 10000, memo=HOSTILE[0], dispense_id=1,
                                occurred_on=date(2026, 1, 5))
        factories.ledger_charge(world.case_id, 5050, memo=HOSTILE[1], dispense_id=2)
        mistake = factories.ledger_charge(world.case_id, 999, memo=HOSTILE[2], dispense_id=3)
        ledger.reverse_entry(mistake, actor=None, memo="wrong patient")
        factories.ledger_charge(other.id, 20000, memo=HOSTILE[3])
        third = factories.case(firm, active=True)
        factories.ledger_charge(third.id, 333)
        db.session.commit()
        ids = {"main": world.case_id, "other": other.id, "third": third.id}
    base = f"/api/v1/cases/{ids['main']}"
    billing.post(f"{base}/settlement", json={"settled_on": "2026-02-01", "gross_amount": "1000",
                                             "attorney_fees": "300", "costs": "100"})
    billing.post(f"{base}/reductions", json={"method": "pro_rata", "reason": "common fund"})
    billing.post(f"{base}/payments", json={"amount": "100.00", "received_on": "2026-02-10",
                                           "reference": "=WIRE 7", "allow_overpayment": True})
    billing.post(f"/api/v1/cases/{ids['other']}/write-offs",
                 json={"amount": "12.34", "reason": "@duplicate"})
    return billing, ids


def workbook(response):
    assert response.status_code == 200, response.data[:300]
    assert response.mimetype.endswith("spreadsheetml.sheet")
    return load_workbook(io.BytesIO(response.data))


def data_rows(ws):
    rows = list(ws.iter_rows(values_only=True))
    return rows[0], rows[1:-1], rows[-1]


DATA_SHEETS = ["Summary", "Charges", "Adjustments", "Payments"]


def test_reconciliation_has_the_four_sheets_and_summary_header(books):
    billing, _ = books
    wb = workbook(billing.get(XLSX))
    assert wb.sheetnames == [*DATA_SHEETS, "About"]
    assert wb.worksheets[0].title == "Summary"  # a reader taking the first sheet gets it
    header, _, _ = data_rows(wb["Summary"])  # API.md: the header row is row 1
    assert list(header) == ["Case ID", "Firm file no.", "Law firm", "Patient initials", "Status",
                            "Billed", "Reversed", "Reductions", "Payments", "Write-offs",
                            "Refunds", "Balance", "Settled on"]


def test_reconciliation_money_is_numbers_with_currency_format_and_dates_are_dates(books):
    billing, ids = books
    wb = workbook(billing.get(XLSX))
    charge = wb["Charges"]["F2"]
    assert isinstance(charge.value, int | float) and charge.number_format.startswith('"$"')
    assert charge.value == 100.0
    day = wb["Charges"]["D2"]
    assert isinstance(day.value, datetime) and day.value.date() == date(2026, 1, 5)
    assert day.number_format == "yyyy-mm-dd"
    summary = {row[0]: row for row in data_rows(wb["Summary"])[1]}
    assert summary[ids["main"]][12] == datetime(2026, 2, 1)
    assert summary[ids["main"]][3] == "JR"


def test_reconciliation_frozen_header_and_autofilter(books):
    billing, _ = books
    wb = workbook(billing.get(XLSX))
    for ws in (wb[name] for name in DATA_SHEETS):
        assert ws.freeze_panes == "A2"
        assert ws.auto_filter.ref == f"A1:{ws.cell(1, ws.max_column).column_letter}{ws.max_row - 1}"


def test_reconciliation_totals_row_is_formulas_and_ties_to_the_ledger(app, books):
    billing, ids = books
    wb = workbook(billing.get(XLSX))
    header, rows, totals = data_rows(wb["Summary"])
    n = len(rows) + 1
    for col in range(5, 12):
        letter = wb["Summary"].cell(1, col + 1).column_letter
        assert totals[col] == f"=SUBTOTAL(109,{letter}2:{letter}{n})"
    with app.app_context():
        ledger_totals = [case_totals(i) for i in ids.values()]
        balances = case_balances(ids.values())
    names = ["charges", "reversals", "reductions", "payments", "write_offs", "refunds", "balance"]
    for offset, name in enumerate(names):
        cells = sum(Decimal(str(row[5 + offset])) for row in rows)
        assert cells * 100 == sum(getattr(t, name) for t in ledger_totals), name
    assert {row[0]: Decimal(str(row[11])) * 100 for row in rows} == balances
    _, charges, charge_totals = data_rows(wb["Charges"])
    assert sum(Decimal(str(r[5])) for r in charges) * 100 == sum(t.charges for t in ledger_totals)
    assert sum(Decimal(str(r[8] or 0)) for r in charges) * 100 == 999
    assert charge_totals[5] == f"=SUBTOTAL(109,F2:F{len(charges) + 1})"
    _, adjustments, _ = data_rows(wb["Adjustments"])
    assert sorted((r[3], r[4], *r[6:]) for r in adjustments) == [
        ("reduction", "pro_rata", 60.2, None, None), ("refund", None, None, None, 9.7),
        ("write_off", None, None, 12.34, None)]
    _, payments, _ = data_rows(wb["Payments"])
    assert [(r[3], r[4], r[5]) for r in payments] == [("=WIRE 7", 100, 9.7)]


def _sheet_xml(data: bytes, name: str) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read(name).decode()


def test_reconciliation_formula_injection_is_written_as_text(books):
    billing, _ = books
    response = billing.get(XLSX)
    wb = workbook(response)
    memos = [r[4] for r in data_rows(wb["Charges"])[1]]
    assert set(HOSTILE) <= set(memos)
    charges_xml = _sheet_xml(response.data, "xl/worksheets/sheet2.xml")
    formulas = re.findall(r"<f>(.*?)</f>", charges_xml)
    assert formulas and all(f.startswith("SUBTOTAL(109,") for f in formulas)
    for text in ("HYPERLINK", "+1+2", "cmd|", "@SUM"):
        cell = re.search(r'<c r="[A-Z]+\d+"( s="(\d+)")? t="inlineStr"><is><t>[^<]*'
                         + re.escape(text), charges_xml)
        assert cell, text
        style = int(cell.group(2))
        assert wb["Charges"]._parent._cell_styles[style].quotePrefix
    summary_xml = _sheet_xml(response.data, "xl/worksheets/sheet1.xml")
    assert "<f>" not in summary_xml.split("Total")[0]  # only the totals row holds formulas


def test_reconciliation_filters_by_law_firm_status_and_settlement_dates(books, world):
    billing, ids = books

    def case_ids(query):
        return [r[0] for r in data_rows(workbook(billing.get(f"{XLSX}?{query}"))["Summary"])[1]]

    assert case_ids("") == sorted(ids.values())
    assert case_ids(f"law_firm_id={world.firm_id}") == sorted([ids["main"], ids["third"]])
    assert case_ids("status=settled") == [ids["main"]]
    assert case_ids("settled_from=2026-02-01&settled_to=2026-02-01") == [ids["main"]]
    assert case_ids("settled_from=2026-02-02") == []
    filtered = workbook(billing.get(f"{XLSX}?law_firm_id={world.firm_id}&status=active"))
    assert [r[0] for r in data_rows(filtered["Charges"])[1]] == [ids["third"]]


@pytest.mark.parametrize("query", ["status=nope", "settled_from=yesterday",
                                   "settled_from=2026-02-02&settled_to=2026-02-01",
                                   "law_firm_id=x"])
def test_reconciliation_bad_filters_are_422(api_as, query):
    r = api_as("billing").get(f"{XLSX}?{query}")
    assert r.status_code == 422 and r.mimetype == "application/problem+json"


def test_reconciliation_is_for_billing_and_admin_only(api_as, world):
    assert api_as("admin").get(XLSX).status_code == 200
    for role in ("pharmacist", "technician"):
        assert api_as(role).get(XLSX).status_code == 403
    assert api_as("attorney", world.firm_id).get(XLSX).status_code == 403


def test_reconciliation_export_is_audited_without_phi(app, books, world):
    billing, _ = books
    billing.get(f"{XLSX}?status=settled")
    with app.app_context():
        event = db.session.execute(sa.select(AuditEvent).where(
            AuditEvent.action == "reconciliation.exported")).scalar_one()
        assert event.details == {"filters": {"status": "settled"}, "cases": 1, "charges": 3,
                                 "adjustments": 2, "payments": 1}


def test_reconciliation_empty_workbook_has_zero_totals(api_as):
    wb = workbook(api_as("billing").get(XLSX))
    header, rows, totals = data_rows(wb["Summary"])
    assert rows == [] and totals[5] == 0 and wb["Summary"].auto_filter.ref == "A1:M1"


def test_cli_export_reconciliation_writes_the_same_workbook(app, books, runner, tmp_path):
    out = tmp_path / "rec.xlsx"
    result = runner.invoke(args=["export", "reconciliation", "--out", str(out),
                                 "--status", "settled"])
    assert result.exit_code == 0, result.output
    assert "1 cases, 3 charges" in result.output
    wb = load_workbook(out)
    assert [r[0] for r in data_rows(wb["Summary"])[1]] == [books[1]["main"]]
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count(JournalEntry.id))).scalar_one() == 10


def cents(value):
    return int(Decimal(str(value or 0)) * 100)


def computed(response):
    """The workbook as a reader without a calculator sees it: each formula's stored value."""
    return load_workbook(io.BytesIO(response.data), data_only=True)


def totals_by_heading(ws):
    header, _, totals = data_rows(ws)
    return dict(zip(header, totals, strict=True))


def test_totals_are_subtotal_109_stored_with_their_values_that_tie_to_the_ledger(app, books):
    billing, ids = books
    response = billing.get(XLSX)
    formulas, values = workbook(response), computed(response)
    for name in DATA_SHEETS:
        _, rows, totals = data_rows(formulas[name])
        stored = data_rows(values[name])[2]
        totalled = [i for i, cell in enumerate(totals) if isinstance(cell, str) and i]
        assert totalled, name
        for i in totalled:
            letter = get_column_letter(i + 1)
            assert totals[i] == f"=SUBTOTAL(109,{letter}2:{letter}{len(rows) + 1})"
            assert cents(stored[i]) == sum(cents(row[i]) for row in rows), (name, letter)
    with app.app_context():
        ledger_totals = [case_totals(i) for i in ids.values()]
    summary = totals_by_heading(values["Summary"])
    for heading, name in [("Billed", "charges"), ("Reversed", "reversals"),
                          ("Reductions", "reductions"), ("Payments", "payments"),
                          ("Write-offs", "write_offs"), ("Refunds", "refunds"),
                          ("Balance", "balance")]:
        assert cents(summary[heading]) == sum(getattr(t, name) for t in ledger_totals), heading


def test_one_sign_convention_the_summary_balance_ties_to_the_other_sheets(books):
    billing, _ = books
    response = billing.get(XLSX)
    values = computed(response)
    for name, columns in [("Summary", SUMMARY), ("Charges", CHARGES),
                          ("Adjustments", ADJUSTMENTS), ("Payments", PAYMENTS)]:
        header, rows, _ = data_rows(values[name])
        money = [header.index(c.header) for c in columns
                 if c.kind == MONEY and c.header != "Balance"]
        assert all(cents(row[i]) >= 0 for row in rows for i in money), name
    summary, charges = totals_by_heading(values["Summary"]), totals_by_heading(values["Charges"])
    adjustments = totals_by_heading(values["Adjustments"])
    payments = totals_by_heading(values["Payments"])
    assert cents(summary["Billed"]) == cents(charges["Amount"])
    assert cents(summary["Reversed"]) == cents(charges["Reversed amount"]) == 999
    for heading in ("Reductions", "Write-offs", "Refunds"):
        assert cents(summary[heading]) == cents(adjustments[heading]) > 0, heading
    assert cents(summary["Payments"]) == cents(payments["Amount"]) == 10000
    assert cents(summary["Balance"]) == (
        cents(charges["Amount"]) - cents(charges["Reversed amount"])
        - cents(adjustments["Reductions"]) - cents(payments["Amount"])
        - cents(adjustments["Write-offs"]) + cents(adjustments["Refunds"]))
    header, rows, _ = data_rows(values["Summary"])
    at = {h: header.index(h) for h in header}
    for row in rows:
        assert cents(row[at["Balance"]]) == (
            cents(row[at["Billed"]]) - cents(row[at["Reversed"]]) - cents(row[at["Reductions"]])
            - cents(row[at["Payments"]]) - cents(row[at["Write-offs"]])
            + cents(row[at["Refunds"]])), row[0]
    about = dict(values["About"].iter_rows(min_row=2, values_only=True))
    assert about["Signs"] == SIGNS


def test_about_sheet_page_headers_and_properties_say_when_by_whom_and_which_filters(
        app, api_as, books):
    _, ids = books
    with app.app_context():
        firm_id = db.session.get(Case, ids["other"]).law_firm_id
    billing = api_as("billing", name="Dana Biller & Co")
    clock.freeze(datetime(2027, 1, 15, 15, 30, tzinfo=UTC))  # 09:30 in Chicago (CST)
    response = billing.get(f"{XLSX}?law_firm_id={firm_id}&settled_from=2026-01-01"
                           "&status=active")
    wb = workbook(response)
    about = dict(wb["About"].iter_rows(min_row=2, values_only=True))
    assert about["Generated at"] == "2027-01-15 09:30 CST"
    assert about["Generated by"] == "Dana Biller & Co"
    assert (about["Filter: law firm"], about["Filter: settled"], about["Filter: status"]) == (
        "=Other Firm", "from 2026-01-01", "active")
    firm_cell = next(row[1] for row in wb["About"].iter_rows(min_row=2)
                     if row[0].value == "Filter: law firm")
    assert firm_cell.data_type == "s" and firm_cell.quotePrefix  # a firm's name is not run
    for name in DATA_SHEETS:
        ws = wb[name]
        assert ws.oddHeader.left.text == f"Lien reconciliation: {name}"
        assert ws.oddHeader.center.text == ("Law firm: =Other Firm · Settled: from 2026-01-01"
                                            " · Status: active")
        assert ws.oddHeader.right.text == "Generated 2027-01-15 09:30 CST by Dana Biller && Co"
        assert ws.cell(1, 1).value == "Case ID"  # the table's header row stays on row 1
        assert ws.freeze_panes == "A2" and ws.auto_filter.ref.startswith("A1:")
    assert wb.properties.creator == "Dana Biller & Co"
    assert wb.properties.title == "Lien reconciliation"
    assert "Status: active" in wb.properties.subject
    everything = dict(workbook(billing.get(XLSX))["About"].iter_rows(min_row=2,
                                                                      values_only=True))
    assert [everything[f"Filter: {f}"] for f in ("law firm", "settled", "status")] == [
        "all", "all", "all"]


def test_every_sheet_prints_landscape_one_page_wide_with_header_row_and_page_numbers(books):
    billing, _ = books
    wb = workbook(billing.get(XLSX))
    for ws in wb:
        assert ws.page_setup.orientation == "landscape", ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0)
        assert ws.print_title_rows == "$1:$1"
        assert ws.oddFooter.center.text == "Page &P of &N"
        last = get_column_letter(ws.max_column)
        assert ws.print_area == f"'{ws.title}'!$A$1:${last}${ws.max_row}"
