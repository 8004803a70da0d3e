"""The reconciliation workbook (SPEC §4.10): Summary, Charges, Adjustments, Payments.

Rows stream from the database (``yield_per``) into openpyxl's write-only sheets, so memory
stays flat however many lines there are. Every figure is a sum of ledger postings, so the
totals tie to the ledger to the cent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import date
from typing import IO, Any

import sqlalchemy as sa

from lienrx.audit import services as audit
from lienrx.cases.models import Case
from lienrx.core.actors import Actor
from lienrx.core.spreadsheets import (
    DATE,
    INTEGER,
    MONEY,
    NUMBER,
    Column,
    SheetWriter,
    new_workbook,
)
from lienrx.dispensing.models import Dispense
from lienrx.dispensing.queries import hyphenated_ndc
from lienrx.extensions import db
from lienrx.formulary.models import Product
from lienrx.ledger.models import JournalEntry
from lienrx.parties.models import LawFirm, Patient, initials
from lienrx.prescribing.models import Prescription
from lienrx.settlement.models import Payment, Reduction, Settlement
from lienrx.settlement.queries import charge_lines_select, receivable_legs, totals_by_kind_select

BATCH = 2000
Progress = Callable[[int], None]

SUMMARY = [Column("Case ID", INTEGER, 9), Column("Firm file no.", width=16),
           Column("Law firm", width=28), Column("Patient initials", width=9),
           Column("Status", width=18)] + [
    Column(name, MONEY, 13, total=True) for name in (
        "Billed", "Reversed", "Reductions", "Payments", "Write-offs", "Refunds", "Balance")] + [
    Column("Settled on", DATE, 12)]
CHARGES = [Column("Case ID", INTEGER, 9), Column("Entry ID", INTEGER, 10),
           Column("Dispense ID", INTEGER, 11), Column("Date", DATE, 12),
           Column("Description", width=40), Column("Amount", MONEY, 13, total=True),
           Column("Reversal entry ID", INTEGER, 12), Column("Reversed on", DATE, 12),
           Column("Reversed amount", MONEY, 13, total=True), Column("Fill no.", INTEGER, 8),
           Column("Product", width=32), Column("Quantity", NUMBER, 10),
           Column("NDC", width=14), Column("Lot", width=18)]
ADJUSTMENTS = [Column("Case ID", INTEGER, 9), Column("Entry ID", INTEGER, 10),
               Column("Date", DATE, 12), Column("Kind", width=12), Column("Method", width=10),
               Column("Description", width=48),
               Column("Effect on balance", MONEY, 15, total=True)]
PAYMENTS = [Column("Case ID", INTEGER, 9), Column("Entry ID", INTEGER, 10),
            Column("Received on", DATE, 12), Column("Reference", width=24),
            Column("Amount", MONEY, 13, total=True), Column("Refund owed", MONEY, 13, total=True)]
ADJUSTMENT_KINDS = ("reduction", "write_off", "refund")


@dataclass(frozen=True)
class Filters:
    """Which cases the workbook covers (every filter optional)."""

    law_firm_id: int | None = None
    settled_from: date | None = None
    settled_to: date | None = None
    status: str | None = None

    def case_ids(self) -> sa.Select[Any]:
        """The ids of the cases these filters select."""
        query = sa.select(Case.id)
        if self.law_firm_id is not None:
            query = query.where(Case.law_firm_id == self.law_firm_id)
        if self.status:
            query = query.where(Case.status == self.status)
        if self.settled_from or self.settled_to:
            query = query.join(Settlement, Settlement.case_id == Case.id)
            if self.settled_from:
                query = query.where(Settlement.settled_on >= self.settled_from)
            if self.settled_to:
                query = query.where(Settlement.settled_on <= self.settled_to)
        return query

    def details(self) -> dict[str, Any]:
        """The filters for an audit event (no PHI)."""
        return {k: v.isoformat() if isinstance(v, date) else v
                for k, v in asdict(self).items() if v is not None}


@dataclass
class Counts:
    """Rows written per sheet."""

    cases: int = 0
    charges: int = 0
    adjustments: int = 0
    payments: int = 0

    @property
    def total(self) -> int:
        return self.cases + self.charges + self.adjustments + self.payments


def _stream(query: sa.Select[Any]) -> Iterator[Any]:
    yield from db.session.execute(query.execution_options(yield_per=BATCH))


def _summary_rows(ids: sa.Select[Any]) -> Iterator[list[Any]]:
    totals = totals_by_kind_select(ids).subquery()
    query = (sa.select(Case.id, Case.firm_file_number, LawFirm.name, Patient.first_name,
                       Patient.last_name, Case.status, totals, Settlement.settled_on)
             .join(LawFirm, LawFirm.id == Case.law_firm_id)
             .join(Patient, Patient.id == Case.patient_id)
             .outerjoin(Settlement, Settlement.case_id == Case.id)
             .outerjoin(totals, totals.c.case_id == Case.id)
             .where(Case.id.in_(ids)).order_by(Case.id))
    for r in _stream(query):
        signed = [int(r.charge or 0), -int(r.reversal or 0), -int(r.reduction or 0),
                  -int(r.payment or 0), -int(r.write_off or 0), int(r.refund or 0),
                  int(r.balance or 0)]
        yield [r.id, r.firm_file_number, r.name,
               initials(r.first_name, r.last_name), r.status, *signed, r.settled_on]


def _charge_rows(ids: sa.Select[Any]) -> Iterator[list[Any]]:
    query = (charge_lines_select(ids)
             .add_columns(Dispense.fill_number, Product.name.label("product"), Dispense.quantity,
                          Dispense.ndc, Dispense.lot_number)
             .outerjoin(Dispense, sa.and_(JournalEntry.source_type == "dispense",
                                          Dispense.id == JournalEntry.source_id))
             .outerjoin(Prescription, Prescription.id == Dispense.prescription_id)
             .outerjoin(Product, Product.id == Prescription.product_id))
    for r in _stream(query):
        yield [r.case_id, r.entry_id, r.dispense_id, r.occurred_on, r.description, r.amount,
               r.reversal_entry_id, r.reversed_on,
               r.amount if r.reversal_entry_id is not None else None,
               r.fill_number, r.product, r.quantity, hyphenated_ndc(r.ndc), r.lot_number]


def _adjustment_rows(ids: sa.Select[Any]) -> Iterator[list[Any]]:
    query = (receivable_legs().add_columns(Reduction.method)
             .outerjoin(Reduction, Reduction.entry_id == JournalEntry.id)
             .where(JournalEntry.case_id.in_(ids), JournalEntry.kind.in_(ADJUSTMENT_KINDS))
             .order_by(JournalEntry.case_id, JournalEntry.id))
    for entry, amount, method in _stream(query):
        yield [entry.case_id, entry.id, entry.occurred_on, entry.kind, method, entry.memo,
               amount]


def _payment_rows(ids: sa.Select[Any]) -> Iterator[list[Any]]:
    query = (receivable_legs().add_columns(Payment.reference, Payment.refund_owed_cents)
             .outerjoin(Payment, Payment.entry_id == JournalEntry.id)
             .where(JournalEntry.case_id.in_(ids), JournalEntry.kind == "payment")
             .order_by(JournalEntry.case_id, JournalEntry.id))
    for entry, amount, reference, refund in _stream(query):
        yield [entry.case_id, entry.id, entry.occurred_on, reference, -amount, refund or 0]


SHEETS = (("Summary", SUMMARY, _summary_rows, "cases"),
          ("Charges", CHARGES, _charge_rows, "charges"),
          ("Adjustments", ADJUSTMENTS, _adjustment_rows, "adjustments"),
          ("Payments", PAYMENTS, _payment_rows, "payments"))


def count_rows(filters: Filters) -> int:
    """How many data rows the workbook will hold (for a progress bar)."""
    ids = filters.case_ids()
    kinds = ("charge", "payment", *ADJUSTMENT_KINDS)
    entries = db.session.execute(sa.select(sa.func.count(JournalEntry.id)).where(
        JournalEntry.case_id.in_(ids), JournalEntry.kind.in_(kinds))).scalar_one()
    cases = db.session.execute(sa.select(sa.func.count()).select_from(ids.subquery()))
    return int(entries) + int(cases.scalar_one())


def write_reconciliation(actor: Actor | None, dest: str | IO[bytes], filters: Filters,
                         progress: Progress | None = None) -> Counts:
    """Write the workbook to ``dest`` and record the export (filters and counts, no PHI)."""
    workbook, counts, ids = new_workbook(), Counts(), filters.case_ids()
    for title, columns, rows, counter in SHEETS:
        sheet = SheetWriter(workbook, title, columns)
        for row in rows(ids):
            sheet.append(row)
            if progress and sheet.rows % BATCH == 0:
                progress(BATCH)
        if progress:
            progress(sheet.rows % BATCH)
        sheet.close()
        setattr(counts, counter, sheet.rows)
    workbook.save(dest)
    audit.record(actor, "reconciliation.exported", "reconciliation", None,
                 {"filters": filters.details(), **asdict(counts)})
    return counts
