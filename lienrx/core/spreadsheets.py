"""Streaming Excel sheets (openpyxl write-only) with typed columns, safe text, totals and print
setup.

Money is written as an exact number (``Decimal`` dollars from integer cents, never a float)
with a currency format; dates as dates; text that a spreadsheet could read as a formula
(``=``, ``+``, ``-``, ``@``) as an inline string with the quote-prefix style, so Excel and
LibreOffice show it and never evaluate it.

Totals are ``SUBTOTAL(109, range)`` so they follow the autofilter (rows it hides drop out),
and each formula is stored with its result (the cell's cached ``<v>``), so file previewers,
pandas and ``load_workbook(data_only=True)`` read the number without a spreadsheet engine.
openpyxl never writes a result beside a formula, so :class:`_ResultWriter` writes those cells
itself; the sums are kept in exact cents as the rows stream past, so nothing holds the rows.

Every sheet prints landscape, one page wide, with its header row repeated on each page, an
optional page header (title, scope, origin) and "Page n of m" in the footer.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell._writer import write_cell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.xml.functions import Element, SubElement

MONEY_FORMAT = '"$"#,##0.00;-"$"#,##0.00'
DATE_FORMAT = "yyyy-mm-dd"
FORMULA_TRIGGERS = ("=", "+", "-", "@")
TEXT, MONEY, DATE, INTEGER, NUMBER = "text", "money", "date", "integer", "number"
SUBTOTAL_SUM = 109  # SUBTOTAL's SUM that leaves out rows a filter (or a person) hides
PAGE_FOOTER = "Page &P of &N"
# Excel refuses a page header over 255 characters: the left, centre and right parts' shares.
HEADER_LIMITS = (70, 110, 70)


def formula_like(text: str) -> bool:
    """Whether a spreadsheet would take this text for a formula."""
    return text.startswith(FORMULA_TRIGGERS)


def csv_text(text: str | None) -> str:
    """Text for a CSV cell a spreadsheet will not run: one that reads as a formula starts
    with a quote; None is an empty cell."""
    if text is None:
        return ""
    return f"'{text}" if formula_like(text) else text


def money_value(cents: int) -> Decimal:
    """Cents as exact decimal dollars for a numeric cell."""
    return Decimal(cents).scaleb(-2)


def page_text(text: str, limit: int) -> str:
    """Text for a printed page header or footer: ``&`` doubled (alone it starts a code), cut
    to ``limit`` characters."""
    escaped = text.replace("&", "&&")
    if len(escaped) <= limit:
        return escaped
    cut = escaped[:limit - 1]
    ampersands = len(cut) - len(cut.rstrip("&"))
    return cut[:len(cut) - ampersands % 2] + "…"


@dataclass(frozen=True)
class Column:
    """A column: its header, what it holds, its width, and whether the totals row sums it."""

    header: str
    kind: str = TEXT
    width: float = 14
    total: bool = False


@dataclass(frozen=True)
class PageHeading:
    """A printed page's header: the title (left), what it covers (centre), who made it and
    when (right)."""

    title: str
    scope: str = ""
    origin: str = ""


class FormulaWithResult(Cell):
    """A formula cell written with its computed result (the value readers show)."""

    __slots__ = ("result",)

    def __init__(self, worksheet: Any, formula: str, result: str) -> None:
        super().__init__(worksheet, row=1, column=1, value=formula)
        self.result = result

    def to_tree(self) -> Any:
        """The ``<c>`` element: the formula and its cached value."""
        cell = Element("c", {"r": self.coordinate, "s": f"{self.style_id}"})
        SubElement(cell, "f").text = str(self.value)[1:]
        SubElement(cell, "v").text = self.result
        return cell


class _ResultWriter(WorksheetWriter):
    """openpyxl's streaming sheet writer, except that a :class:`FormulaWithResult` keeps its
    result. The sheets written here set no row heights and no comments, the two things
    openpyxl's own ``write_row`` adds around the cells."""

    def write_row(self, xf: Any, row: Iterable[Cell], row_idx: int) -> None:
        with xf.element("row", {"r": f"{row_idx}"}):
            for cell in row:
                if isinstance(cell, FormulaWithResult):
                    xf.write(cell.to_tree())
                elif cell._value is not None or cell.has_style:
                    write_cell(xf, self.ws, cell, cell.has_style)


def new_workbook() -> Workbook:
    """A write-only (streaming) workbook."""
    return Workbook(write_only=True)


class SheetWriter:
    """Write one sheet row by row: a frozen header, typed cells, a totals row, print setup."""

    def __init__(self, workbook: Workbook, title: str, columns: Sequence[Column],
                 heading: PageHeading | None = None) -> None:
        self.ws = workbook.create_sheet(title)
        self.columns = list(columns)
        self.rows = 0
        self._last_column = get_column_letter(len(self.columns))
        for i, column in enumerate(self.columns, 1):
            self.ws.column_dimensions[get_column_letter(i)].width = column.width
        self.ws.freeze_panes = "A2"
        self._print_setup(title, heading)
        # openpyxl makes its own writer at the first row unless one is set; the sheet's top
        # (widths, frozen pane, fit to page) is written now, so it is all set above.
        self.ws._writer = _ResultWriter(self.ws)
        self.ws._writer.write_top()
        self._money = self._template(number_format=MONEY_FORMAT)
        self._date = self._template(number_format=DATE_FORMAT)
        self._quoted = self._template(quotePrefix=True)
        self._bold = self._template(font=Font(bold=True))
        self._bold_money = self._template(font=Font(bold=True), number_format=MONEY_FORMAT)
        self._convert = [self._converter(c.kind) for c in self.columns]
        self._sums: dict[int, Any] = {i: 0 for i, c in enumerate(self.columns) if c.total}
        self.ws.append([self._styled(c.header, self._bold) for c in self.columns])

    def _print_setup(self, title: str, heading: PageHeading | None) -> None:
        ws = self.ws
        ws.page_setup.orientation = "landscape"
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0  # as many pages down as the rows need
        ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
        ws.print_title_rows = "1:1"
        ws.HeaderFooter.oddFooter.center.text = PAGE_FOOTER
        if heading is not None:
            left, centre, right = HEADER_LIMITS
            ws.HeaderFooter.oddHeader.left.text = page_text(f"{heading.title}: {title}", left)
            ws.HeaderFooter.oddHeader.center.text = page_text(heading.scope, centre)
            ws.HeaderFooter.oddHeader.right.text = page_text(heading.origin, right)

    def _template(self, **style: Any) -> Any:
        cell = WriteOnlyCell(self.ws)
        for name, value in style.items():
            setattr(cell, name, value)
        return cell._style

    def _styled(self, value: Any, style: Any, data_type: str | None = None) -> Cell:
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
        for i in self._sums:
            if values[i] is not None:
                self._sums[i] += Decimal(values[i]) if self.columns[i].kind == NUMBER \
                    else int(values[i])
        self.ws.append([convert(v) for convert, v in zip(self._convert, values, strict=True)])
        self.rows += 1

    def extend(self, rows: Iterable[Sequence[Any]]) -> None:
        """Write many data rows."""
        for row in rows:
            self.append(row)

    def close(self, label: str = "Total") -> None:
        """Set the autofilter on the header and data, add the totals row when a column is
        totalled, and set the print area."""
        last_row = self.rows + 1
        self.ws.auto_filter.ref = f"A1:{self._last_column}{last_row}"
        if self._sums:
            self.ws.append([self._styled(label, self._bold) if i == 0 else self._total(i)
                            for i in range(len(self.columns))])
            last_row += 1
        self.ws.print_area = f"A1:{self._last_column}{last_row}"

    def _total(self, i: int) -> Cell | None:
        if i not in self._sums:
            return None
        money = self.columns[i].kind == MONEY
        style = self._bold_money if money else self._bold
        if not self.rows:  # a SUBTOTAL over no rows would have to cover its own cell
            return self._styled(0, style)
        letter = get_column_letter(i + 1)
        total = money_value(self._sums[i]) if money else self._sums[i]
        cell = FormulaWithResult(self.ws, f"=SUBTOTAL({SUBTOTAL_SUM},{letter}2:{letter}"
                                          f"{self.rows + 1})", format(Decimal(total), "f"))
        cell._style = style
        return cell
