"""Spreadsheet helpers: formula-like text, control characters, exact money."""

import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from lienrx.core.spreadsheets import (
    DATE,
    MONEY,
    Column,
    SheetWriter,
    formula_like,
    money_value,
    new_workbook,
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
    assert ws["B3"].value == 1234567890.12 and ws["B4"].value == "=SUM(B2:B3)"
