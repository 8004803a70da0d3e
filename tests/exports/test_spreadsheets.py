"""Spreadsheet helpers: formula-like text, control characters, exact money, stored totals."""

import io
import zipfile
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from lienrx.core.spreadsheets import (
    DATE,
    INTEGER,
    MONEY,
    NUMBER,
    Column,
    SheetWriter,
    formula_like,
    money_value,
    new_workbook,
    page_text,
)


@pytest.mark.parametrize("text,expected", [("=1+1", True), ("+1", True), ("-1", True),
                                           ("@A1", True), ("a=1", False), ("", False),
                                           (" =1", False)])
def test_formula_like_names_the_four_trigger_characters(text, expected):
    assert formula_like(text) is expected


def test_money_value_is_exact_decimal_dollars():
    assert money_value(18550) == Decimal("185.50") and money_value(-1) == Decimal("-0.01")


def test_sheet_writer_defuses_formulas_and_drops_control_characters():
    wb = new_workbook()
    sheet = SheetWriter(wb, "S", [Column("Text"), Column("Money", MONEY, total=True),
                                  Column("Day", DATE)])
    sheet.append(["=2+3", 1, date(2026, 1, 2)])
    sheet.append(["bell\x07", 123456789012, None])
    sheet.close()
    out = io.BytesIO()
    wb.save(out)
    ws = load_workbook(io.BytesIO(out.getvalue()))["S"]
    assert ws["A2"].value == "=2+3" and ws["A2"].data_type == "s" and ws["A2"].quotePrefix
    assert ws["A3"].value == "bell"
    assert ws["B3"].value == 1234567890.12 and ws["B4"].value == "=SUBTOTAL(109,B2:B3)"


def saved(workbook):
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_totals_row_stores_each_subtotal_with_its_exact_result():
    wb = new_workbook()
    sheet = SheetWriter(wb, "S", [Column("Label"), Column("Money", MONEY, total=True),
                                  Column("Count", INTEGER, total=True),
                                  Column("Grams", NUMBER, total=True)])
    sheet.extend([["a", 10, 2, "0.125"], ["b", 20, None, "1.5"], ["c", 1, 3, None]])
    sheet.close()
    data = saved(wb)
    xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>SUBTOTAL(109,B2:B4)</f><v>0.31</v>" in xml
    assert "<f>SUBTOTAL(109,C2:C4)</f><v>5</v>" in xml
    assert "<f>SUBTOTAL(109,D2:D4)</f><v>1.625</v>" in xml
    values = load_workbook(io.BytesIO(data), data_only=True)["S"]
    assert [c.value for c in values[5]] == ["Total", 0.31, 5, 1.625]
    assert load_workbook(io.BytesIO(data))["S"]["B5"].value == "=SUBTOTAL(109,B2:B4)"


def test_sheet_without_totalled_columns_gets_no_totals_row_but_a_filter_and_print_area():
    wb = new_workbook()
    sheet = SheetWriter(wb, "S", [Column("Drug"), Column("Grams", NUMBER)])
    sheet.extend([["ketamine", "1.5"], ["zolpidem", "2"]])
    sheet.close()
    ws = load_workbook(io.BytesIO(saved(wb)))["S"]
    assert ws.max_row == 3 and ws.auto_filter.ref == "A1:B3"
    assert ws.print_area == "'S'!$A$1:$B$3"


@pytest.mark.parametrize("text,limit,expected", [
    ("Smith & Jones", 50, "Smith && Jones"), ("Page 1", 50, "Page 1"),
    ("abcdef", 4, "abc…"), ("ab&cd", 4, "ab…"), ("a&&b", 6, "a&&&&b"), ("a&&b", 5, "a&&…")])
def test_page_text_doubles_ampersands_and_never_cuts_one_in_half(text, limit, expected):
    assert page_text(text, limit) == expected
