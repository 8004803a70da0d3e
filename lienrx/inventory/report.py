"""The controlled-substance report (SPEC §7.5): per drug and lot, for a period, the opening
stock, what each kind of movement added or took, and the closing stock.

Every figure is a sum of the journal's signed quantities over the lot's movements, so a row
ties to the journal to the unit: closing = opening + every column between them. Dates are
business dates (``occurred_on``), both ends of the period included.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import IO, Any

import sqlalchemy as sa
from flask import current_app

from lienrx.audit import services as audit
from lienrx.core import clock
from lienrx.core.actors import Actor
from lienrx.core.spreadsheets import DATE, INTEGER, NUMBER, TEXT, Column, SheetWriter, new_workbook
from lienrx.extensions import db
from lienrx.formulary.models import Product
from lienrx.inventory.models import InventoryLot, InventoryMovement
from lienrx.inventory.queries import drug_name

# The report's columns between opening and closing: (key, heading, journal kinds).
FLOWS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("received", "Received", ("receipt",)),
    ("compounded", "Used in compounding", ("compounding_use",)),
    ("dispensed", "Dispensed", ("dispense",)),
    ("returned", "Returned to stock", ("return_to_stock",)),
    ("wasted", "Wasted", ("waste",)),
    ("destroyed", "Destroyed", ("destruction",)),
    ("lost", "Lost or stolen", ("loss", "theft")),
    ("adjusted", "Count adjustments", ("adjustment",)),
)
HEADINGS = ["Opening", *(heading for _, heading, _ in FLOWS), "Closing"]
NOTE = ("Figures are the journal's signed quantities in each drug's unit: "
        "closing = opening + every column between them.")


@dataclass
class Line:
    """One lot (or, summed, one drug) over the period."""

    drug: str
    schedule: str
    unit: str
    opening: Decimal = Decimal(0)
    flows: dict[str, Decimal] = field(default_factory=dict)
    closing: Decimal = Decimal(0)
    lot_id: int | None = None
    ndc: str | None = None
    lot_number: str | None = None
    expiration_date: date | None = None

    def figures(self) -> list[Decimal]:
        return [self.opening, *(self.flows.get(key, Decimal(0)) for key, _, _ in FLOWS),
                self.closing]


@dataclass(frozen=True)
class Report:
    """The period, its lines by lot and by drug, and how many movements it covers."""

    start: date
    end: date
    lots: list[Line]
    drugs: list[Line]
    movements: int


def _sum_when(condition: Any) -> Any:
    return sa.func.coalesce(sa.func.sum(
        sa.case((condition, InventoryMovement.quantity), else_=0)), 0)


def _in_period(start: date, end: date) -> Any:
    return InventoryMovement.occurred_on.between(start, end)


def build(start: date, end: date) -> Report:
    """The report's figures for controlled lots with stock or movement in the period."""
    flows = [_sum_when(sa.and_(_in_period(start, end), InventoryMovement.kind.in_(kinds)))
             .label(key) for key, _, kinds in FLOWS]
    query = (sa.select(InventoryLot, drug_name().label("drug"),
                       _sum_when(InventoryMovement.occurred_on < start).label("opening"),
                       _sum_when(InventoryMovement.occurred_on <= end).label("closing"),
                       sa.func.count(InventoryMovement.id).filter(
                           _in_period(start, end)).label("moves"), *flows)
             .join(InventoryMovement, InventoryMovement.lot_id == InventoryLot.id)
             .outerjoin(Product, Product.id == InventoryLot.product_id)
             .where(InventoryLot.dea_schedule.is_not(None))
             .group_by(InventoryLot.id, drug_name())
             .order_by(drug_name(), InventoryLot.expiration_date, InventoryLot.id))
    lots: list[Line] = []
    drugs: dict[tuple[str, str], Line] = {}
    moved = 0
    for row in db.session.execute(query):
        lot: InventoryLot = row.InventoryLot
        if row.opening == 0 and row.moves == 0:
            continue
        line = Line(row.drug, lot.dea_schedule or "", lot.unit, Decimal(row.opening),
                    {key: Decimal(getattr(row, key)) for key, _, _ in FLOWS},
                    Decimal(row.closing), lot.id, lot.ndc, lot.lot_number, lot.expiration_date)
        lots.append(line)
        moved += int(row.moves)
        total = drugs.setdefault((line.drug, line.unit),
                                 Line(line.drug, line.schedule, line.unit))
        total.opening += line.opening
        total.closing += line.closing
        for key, amount in line.flows.items():
            total.flows[key] = total.flows.get(key, Decimal(0)) + amount
    return Report(start, end, lots, list(drugs.values()), moved)


def _movement_rows(start: date, end: date) -> Iterator[list[Any]]:
    query = (sa.select(InventoryMovement, InventoryLot, drug_name().label("drug"))
             .join(InventoryLot, InventoryLot.id == InventoryMovement.lot_id)
             .outerjoin(Product, Product.id == InventoryLot.product_id)
             .where(InventoryLot.dea_schedule.is_not(None), _in_period(start, end))
             .order_by(drug_name(), InventoryMovement.occurred_on, InventoryMovement.id))
    for m, lot, drug in db.session.execute(query.execution_options(yield_per=1000)):
        yield [m.occurred_on, drug, lot.unit, lot.ndc, lot.lot_number, m.kind, m.quantity,
               m.id, f"{m.source_type} {m.source_id}" if m.source_type else None, m.user_id,
               m.supplier, m.supplier_dea_number, m.invoice_number,
               "; ".join(m.witnesses or []) or None, m.method, m.discovered_on, m.reason]


def _figure_columns() -> list[Column]:
    return [Column(heading, NUMBER, 13) for heading in HEADINGS]


BY_DRUG = [Column("Drug", width=40), Column("Schedule", width=9), Column("Unit", width=6),
           *_figure_columns()]
BY_LOT = [Column("Drug", width=40), Column("Schedule", width=9), Column("Unit", width=6),
          Column("Lot ID", INTEGER, 8), Column("NDC", width=13), Column("Lot", width=16),
          Column("Expires", DATE, 12), *_figure_columns()]
MOVEMENTS = [Column("Date", DATE, 12), Column("Drug", width=40), Column("Unit", width=6),
             Column("NDC", width=13), Column("Lot", width=16), Column("Kind", width=16),
             Column("Quantity", NUMBER, 11), Column("Movement ID", INTEGER, 11),
             Column("Source", width=22), Column("User ID", INTEGER, 8),
             Column("Supplier", width=24), Column("Supplier DEA", width=12),
             Column("Invoice", width=14), Column("Witnesses", width=30),
             Column("Method", width=20), Column("Discovered on", DATE, 12),
             Column("Reason", width=48)]


def about_rows(report: Report) -> list[tuple[str, str]]:
    """Who and what the report is, for its first sheet and the PDF's heading."""
    config = current_app.config
    return [("Report", "Controlled-substance inventory report (21 CFR 1304)"),
            ("Pharmacy", config.get("LIENRX_PHARMACY_NAME") or ""),
            ("Pharmacy DEA number", config.get("LIENRX_PHARMACY_DEA") or ""),
            ("Period", f"{report.start.isoformat()} to {report.end.isoformat()} (inclusive)"),
            ("Generated", clock.utcnow().astimezone(clock.timezone()).isoformat(
                timespec="minutes")),
            ("Note", NOTE)]


def write_xlsx(actor: Actor | None, dest: str | IO[bytes], start: date, end: date) -> Report:
    """Write the report workbook (About, By drug, By lot, Movements) and record it."""
    report = build(start, end)
    workbook = new_workbook()
    about = SheetWriter(workbook, "About", [Column("Field", TEXT, 22), Column("Value", TEXT, 90)])
    about.extend(about_rows(report))
    drugs = SheetWriter(workbook, "By drug", BY_DRUG)
    drugs.extend([d.drug, d.schedule, d.unit, *d.figures()] for d in report.drugs)
    lots = SheetWriter(workbook, "By lot", BY_LOT)
    lots.extend([x.drug, x.schedule, x.unit, x.lot_id, x.ndc, x.lot_number, x.expiration_date,
                 *x.figures()] for x in report.lots)
    movements = SheetWriter(workbook, "Movements", MOVEMENTS)
    movements.extend(_movement_rows(start, end))
    for sheet in (drugs, lots, movements):
        sheet.close()  # no column totals: quantities in different units do not add up
    workbook.save(dest)
    record(actor, report, "xlsx")
    return report


def record(actor: Actor | None, report: Report, form: str) -> None:
    """Audit the export: the period, the format and how much it covered."""
    audit.record(actor, "inventory.report_exported", "inventory_report", None,
                 {"from": report.start.isoformat(), "to": report.end.isoformat(),
                  "format": form, "lots": len(report.lots), "movements": report.movements})
