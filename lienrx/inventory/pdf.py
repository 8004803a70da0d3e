"""The controlled-substance report as a PDF document: the same figures as the workbook, in
landscape tables from one template (``inventory/report.html``)."""

from __future__ import annotations

from datetime import date

from flask import current_app

from lienrx.core import documents
from lienrx.core.actors import Actor
from lienrx.inventory import report as inventory_report

TEMPLATE = "inventory/report.html"
STYLESHEET = "inventory/report.css"


def render(actor: Actor | None, start: date, end: date) -> bytes:
    """The report for ``start``–``end`` as PDF bytes (recorded like the workbook)."""
    report = inventory_report.build(start, end)
    (_, heading), *about = inventory_report.about_rows(report)
    rendered = documents.render(TEMPLATE, stylesheet=STYLESHEET, report=report, heading=heading,
                                about=about, headings=inventory_report.HEADINGS,
                                pharmacy=current_app.config["LIENRX_PHARMACY_NAME"])
    body = documents.to_pdf(rendered)
    inventory_report.record(actor, report, "pdf")
    return body
