"""The controlled-substance report as a PDF (fpdf2): the same figures as the workbook."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fpdf import FPDF, FontFace
from fpdf.enums import XPos, YPos

from lienrx.core.actors import Actor
from lienrx.core.schemas import plain_number
from lienrx.inventory import report as inventory_report

_HEADINGS = FontFace(emphasis="BOLD", fill_color=(225, 229, 235))


def _text(value: Any) -> str:
    """Text the core PDF fonts draw (Latin-1); anything beyond shows as '?'."""
    if value is None:
        return ""
    text = plain_number(value) if not isinstance(value, str) else value
    return text.replace("\u2014", "-").replace("\u2013", "-").encode(
        "latin-1", "replace").decode("latin-1")


def _table(pdf: FPDF, headings: Sequence[str], rows: list[list[Any]],
           widths: Sequence[float]) -> None:
    if not rows:
        pdf.set_font("Helvetica", "I", 9)
        pdf.cell(0, 6, "No controlled stock or movement in the period.",
                 new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        return
    pdf.set_font("Helvetica", size=7.5)
    with pdf.table(col_widths=tuple(widths), headings_style=_HEADINGS, line_height=4,
                   text_align="LEFT", padding=0.8) as table:
        table.row([_text(h) for h in headings])
        for row in rows:
            table.row([_text(c) for c in row])
    pdf.ln(3)


def render(actor: Actor | None, start: Any, end: Any) -> bytes:
    """The report for ``start``–``end`` as PDF bytes (recorded like the workbook)."""
    report = inventory_report.build(start, end)
    pdf = FPDF(orientation="L", unit="mm", format="Letter")
    pdf.set_title(f"Controlled-substance report {start.isoformat()} to {end.isoformat()}")
    pdf.set_creator("LienRx")
    pdf.set_margins(10, 10, 10)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 13)
    pdf.cell(0, 8, "Controlled-substance inventory report", new_x=XPos.LMARGIN,
             new_y=YPos.NEXT)
    for label, value in inventory_report.about_rows(report)[1:]:
        pdf.set_font("Helvetica", "B", 8.5)
        pdf.cell(38, 5, _text(label))
        pdf.set_font("Helvetica", size=8.5)
        pdf.multi_cell(0, 5, _text(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    figures = [16.0] * len(inventory_report.HEADINGS)
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(0, 8, "By drug", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    _table(pdf, ["Drug", "Sched.", "Unit", *inventory_report.HEADINGS],
           [[d.drug, d.schedule, d.unit, *d.figures()] for d in report.drugs],
           [52, 12, 10, *figures])
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(0, 8, "By lot", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    _table(pdf, ["Drug", "NDC", "Lot", "Expires", *inventory_report.HEADINGS],
           [[x.drug, x.ndc, x.lot_number, x.expiration_date.isoformat()
             if x.expiration_date else "", *x.figures()] for x in report.lots],
           [40, 18, 16, 16, *figures])
    inventory_report.record(actor, report, "pdf")
    return bytes(pdf.output())
