"""Streaming Excel sheets (openpyxl write-only) with typed columns, safe text and totals.

Money is written as an exact number (``Decimal`` dollars from integer cents, never a float)
with a currency format; dates as dates; text that a spreadsheet could read as a formula
(``=``, ``+``, ``-``, ``@``) as an inline string with the quote-prefix style, so Excel and
LibreOffice show it and never evaluate it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

MONEY_FORMAT = '"$"#,##0.00;-"$"#,##0.00'
DATE_FORMAT = "yyyy-mm-dd"
FORMULA_TRIGGERS = ("=", "+", "-", "@")
TEXT, MONEY, DATE, INTEGER, NUMBER = "text", "money", "date", "integer", "number"


def formula_like(text: str) -> bool:
    """Whether a spreadsheet would take this text for a formula."""
    return text.startswith(FORMULA_TRIGGERS)


def money_value(cents: int) -> Decimal:
    """Cents as exact decimal dollars for a numeric cell."""
    return Decimal(cents).scaleb(-2)


@dataclass(frozen=True)
class Column:
    """A column: its header, what it holds, its width, and whether the totals row sums it."""

    header: str
    kind: str = TEXT
    width: float = 14
    total: bool = False


def new_workbook() -> Workbook:
    """A write-only (streaming) workbook."""
    return Workbook(write_only=True)


class SheetWriter:
    """Write one sheet row by row: a frozen header, typed cells, a formula totals row."""

    def __init__(self, workbook: Workbook, title: str, columns: Sequence[Column]) -> None:
        self.ws = workbook.create_sheet(title)
        self.columns = list(columns)
        self.rows = 0
        for i, column in enumerate(self.columns, 1):
            self.ws.column_dimensions[get_column_letter(i)].width = column.width
        self.ws.freeze_panes = "A2"
        self._money = self._template(number_format=MONEY_FORMAT)
        self._date = self._template(number_format=DATE_FORMAT)
        self._quoted = self._template(quotePrefix=True)
        self._bold = self._template(font=Font(bold=True))
        self._bold_money = self._template(font=Font(bold=True), number_format=MONEY_FORMAT)
        self._convert = [self._converter(c.kind) for c in self.columns]
        self.ws.append([self._styled(c.header, self._bold) for c in self.columns])

    def _template(self, **style: Any) -> Any:
        cell = WriteOnlyCell(self.ws)
        for name, value in style.items():
            setattr(cell, name, value)
        return cell._style

    def _styled(self, value: Any, style: Any, data_type: str | None = None) -> WriteOnlyCell:
        cell = WriteOnlyCell(self.ws, value)
        cell._style = style
        if data_type:
            cell.data_type = data_type
        return cell

    def _converter(self, kind: str) -> Any:
        if kind == MONEY:
            return lambda v: None if v is None else self._styled(money_value(v), self._money)
        if kind == DATE:
            return lambda v: None if v is None else self._styled(v, self._date)
        if kind == INTEGER:
            return lambda v: None if v is None else int(v)
        if kind == NUMBER:
            return lambda v: None if v is None else Decimal(v)
        return self.text

    def text(self, value: Any) -> Any:
        """A text cell, defused when it looks like a formula; control characters dropped."""
        if value is None:
            return None
        text = str(value)
        if ILLEGAL_CHARACTERS_RE.search(text):
            text = ILLEGAL_CHARACTERS_RE.sub("", text)
        if formula_like(text):
            return self._styled(text, self._quoted, data_type="s")
        return text

    def append(self, values: Sequence[Any]) -> None:
        """Write one data row; values follow the columns (cents for money, dates as dates)."""
        self.ws.append([convert(v) for convert, v in zip(self._convert, values, strict=True)])
        self.rows += 1

    def extend(self, rows: Iterable[Sequence[Any]]) -> None:
        """Write many data rows."""
        for row in rows:
            self.append(row)

    def close(self, label: str = "Total") -> None:
        """Add the totals row (SUM formulas over the data) and the autofilter."""
        last_col = get_column_letter(len(self.columns))
        self.ws.auto_filter.ref = f"A1:{last_col}{self.rows + 1}"
        totals: list[Any] = []
        for i, column in enumerate(self.columns, 1):
            if i == 1:
                totals.append(self._styled(label, self._bold))
            elif column.total:
                letter = get_column_letter(i)
                formula = f"=SUM({letter}2:{letter}{self.rows + 1})" if self.rows else 0
                totals.append(self._styled(formula, self._bold_money))
            else:
                totals.append(None)
        self.ws.append(totals)


