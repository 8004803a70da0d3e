"""The reconciliation workbook (SPEC §4.10): Summary, Charges, Adjustments, Payments, About.

Rows stream from the database (``yield_per``) into openpyxl's write-only sheets, so memory
stays flat however many lines there are. Every figure is a sum of ledger postings, so the
totals tie to the ledger to the cent.

Every amount is a positive magnitude in its column, the ledger's own convention
(``lienrx.ledger.models.KIND_TOTALS``): Balance = Billed − Reversed − Reductions − Payments −
Write-offs + Refunds, per case and in the totals of the four sheets.

Row 1 of every sheet is its column header (API.md fixes the Summary's headings, and readers
such as pandas take row 1 for them), so what the workbook is — when and by whom it was made,
its filters, the sign convention — is in the About sheet (last, so a reader taking the first
sheet still gets the Summary), in every printed page's header and in the file's properties.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from typing import IO, Any

import sqlalchemy as sa

from lienrx.audit import services as audit
from lienrx.cases.models import Case
from lienrx.core import clock
from lienrx.core.actors import Actor
from lienrx.core.spreadsheets import (
    DATE,
    INTEGER,
    MONEY,
    NUMBER,
    SUBTOTAL_SUM,
    TEXT,
    Column,
    PageHeading,
    SheetWriter,
    new_workbook,
)
from lienrx.dispensing.models import Dispense
from lienrx.dispensing.queries import hyphenated_ndc
from lienrx.extensions import db
from lienrx.formulary.models import Product
from lienrx.ledger.models import ENTRY_KINDS, KIND_TOTALS, JournalEntry, totals_from_sums
from lienrx.parties.models import LawFirm, Patient, initials
from lienrx.prescribing.models import Prescription
from lienrx.settlement.models import Payment, Reduction, Settlement
from lienrx.settlement.queries import charge_lines_select, receivable_legs, totals_by_kind_select

BATCH = 2000
Progress = Callable[[int], None]

TITLE = "Lien reconciliation"
ALL = "all"
SIGNS = ("Every amount is a positive magnitude in its column: Balance = Billed − Reversed − "
         "Reductions − Payments − Write-offs + Refunds.")
TOTALS = (f"The last row of each sheet totals the rows shown: SUBTOTAL({SUBTOTAL_SUM}, …) "
          "leaves out rows the filter hides.")
NO_ONE = "lienrx export reconciliation (command line)"
# The Summary's money columns and the ledger totals they show, in order.
SUMMARY_TOTALS = (("Billed", "charges"), ("Reversed", "reversals"), ("Reductions", "reductions"),
                  ("Payments", "payments"), ("Write-offs", "write_offs"),
                  ("Refunds", "refunds"))
ADJUSTMENT_KINDS = ("reduction", "write_off", "refund")

SUMMARY = [Column("Case ID", INTEGER, 9), Column("Firm file no.", width=16),
           Column("Law firm", width=28), Column("Patient initials", width=9),
           Column("Status", width=18)] + [
    Column(name, MONEY, 13, total=True) for name, _ in SUMMARY_TOTALS] + [
    Column("Balance", MONEY, 13, total=True), Column("Settled on", DATE, 12)]
CHARGES = [Column("Case ID", INTEGER, 9), Column("Entry ID", INTEGER, 10),
           Column("Dispense ID", INTEGER, 11), Column("Date", DATE, 12),
           Column("Description", width=40), Column("Amount", MONEY, 13, total=True),
           Column("Reversal entry ID", INTEGER, 12), Column("Reversed on", DATE, 12),
           Column("Reversed amount", MONEY, 13, total=True), Column("Fill no.", INTEGER, 8),
           Column("Product", width=32), Column("Quantity", NUMBER, 10),
           Column("NDC", width=14), Column("Lot", width=18)]
ADJUSTMENTS = [Column("Case ID", INTEGER, 9), Column("Entry ID", INTEGER, 10),
               Column("Date", DATE, 12), Column("Kind", width=12), Column("Method", width=10),
               Column("Description", width=48)] + [
    Column(name, MONEY, 13, total=True) for name in ("Reductions", "Write-offs", "Refunds")]
PAYMENTS = [Column("Case ID", INTEGER, 9), Column("Entry ID", INTEGER, 10),
            Column("Received on", DATE, 12), Column("Reference", width=24),
            Column("Amount", MONEY, 13, total=True), Column("Refund owed", MONEY, 13, total=True)]
ABOUT = [Column("Item", TEXT, 24), Column("Value", TEXT, 100)]
# What each sheet holds, for the About sheet and the export page.
CONTENTS = (
    ("Summary", "One row per case: firm, patient initials, status, billed, reversed, "
                "reductions, payments, write-offs, refunds, balance and settlement date."),
    ("Charges", "One row per dispense line charged to a lien: date, description, amount, "
                "its reversal if any, and the fill's product, quantity, NDC and lot."),
    ("Adjustments", "One row per reduction, write-off or refund, its amount in the column "
                    "of its kind."),
    ("Payments", "One row per payment received, with the refund an overpayment made owed."),
    ("About", "When and by whom the workbook was made, its filters and these notes."),
)


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

    def described(self) -> list[tuple[str, str]]:
        """The filters in words, "all" where none is set."""
        firm = ALL
        if self.law_firm_id is not None:
            found = db.session.get(LawFirm, self.law_firm_id)
            firm = found.name if found else f"no firm has id {self.law_firm_id}"
        start, end = self.settled_from, self.settled_to
        settled = (f"{start.isoformat()} to {end.isoformat()}" if start and end
                   else f"from {start.isoformat()}" if start
                   else f"through {end.isoformat()}" if end else ALL)
        return [("Law firm", firm), ("Settled", settled), ("Status", self.status or ALL)]


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


def _magnitude(kind: str, cents: int) -> int:
    """A receivable posting of ``kind`` as the positive amount its column shows."""
    return KIND_TOTALS[kind][1] * int(cents)


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
        amounts = totals_from_sums({kind: int(getattr(r, kind) or 0) for kind in ENTRY_KINDS})
        yield [r.id, r.firm_file_number, r.name, initials(r.first_name, r.last_name), r.status,
               *(amounts[name] for _, name in SUMMARY_TOTALS), int(r.balance or 0),
               r.settled_on]


def _charge_rows(ids: sa.Select[Any]) -> Iterator[list[Any]]:
    query = (charge_lines_select(ids)
             .add_columns(Dispense.fill_number, Product.name.label("product"), Dispense.quantity,
                          Dispense.ndc, Dispense.lot_number)
             .outerjoin(Dispense, sa.and_(JournalEntry.source_type == "dispense",
                                          Dispense.id == JournalEntry.source_id))
             .outerjoin(Prescription, Prescription.id == Dispense.prescription_id)
             .outerjoin(Product, Product.id == Prescription.product_id))
    for r in _stream(query):
        amount = _magnitude("charge", r.amount)
        yield [r.case_id, r.entry_id, r.dispense_id, r.occurred_on, r.description, amount,
               r.reversal_entry_id, r.reversed_on,
               amount if r.reversal_entry_id is not None else None,
               r.fill_number, r.product, r.quantity, hyphenated_ndc(r.ndc), r.lot_number]


def _adjustment_rows(ids: sa.Select[Any]) -> Iterator[list[Any]]:
    query = (receivable_legs().add_columns(Reduction.method)
             .outerjoin(Reduction, Reduction.entry_id == JournalEntry.id)
             .where(JournalEntry.case_id.in_(ids), JournalEntry.kind.in_(ADJUSTMENT_KINDS))
             .order_by(JournalEntry.case_id, JournalEntry.id))
    for entry, amount, method in _stream(query):
        yield [entry.case_id, entry.id, entry.occurred_on, entry.kind, method, entry.memo,
               *(_magnitude(kind, amount) if kind == entry.kind else None
                 for kind in ADJUSTMENT_KINDS)]


def _payment_rows(ids: sa.Select[Any]) -> Iterator[list[Any]]:
    query = (receivable_legs().add_columns(Payment.reference, Payment.refund_owed_cents)
             .outerjoin(Payment, Payment.entry_id == JournalEntry.id)
             .where(JournalEntry.case_id.in_(ids), JournalEntry.kind == "payment")
             .order_by(JournalEntry.case_id, JournalEntry.id))
    for entry, amount, reference, refund in _stream(query):
        yield [entry.case_id, entry.id, entry.occurred_on, reference,
               _magnitude("payment", amount), refund or 0]


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


@dataclass(frozen=True)
class Origin:
    """When, by whom and for which cases a workbook is made."""

    at: datetime
    by: str
    filters: list[tuple[str, str]]

    @property
    def local_time(self) -> str:
        """The moment on the pharmacy's clock, with its zone."""
        return self.at.astimezone(clock.timezone()).strftime("%Y-%m-%d %H:%M %Z")

    @property
    def scope(self) -> str:
        """The filters on one line."""
        return " · ".join(f"{label}: {value}" for label, value in self.filters)

    def heading(self) -> PageHeading:
        """The printed page header of every sheet."""
        return PageHeading(TITLE, self.scope, f"Generated {self.local_time} by {self.by}")

    def about_rows(self, counts: Counts) -> list[tuple[str, str]]:
        """The About sheet: the workbook's origin, filters, conventions and contents."""
        rows = {"Summary": counts.cases, "Charges": counts.charges,
                "Adjustments": counts.adjustments, "Payments": counts.payments}
        return [("Workbook", TITLE), ("Generated at", self.local_time),
                ("Generated by", self.by),
                *((f"Filter: {label.lower()}", value) for label, value in self.filters),
                ("Signs", SIGNS), ("Totals", TOTALS),
                *((f"Sheet {name}", f"{what} Rows: {rows[name]}." if name in rows else what)
                  for name, what in CONTENTS)]


def write_reconciliation(actor: Actor | None, dest: str | IO[bytes], filters: Filters,
                         progress: Progress | None = None) -> Counts:
    """Write the workbook to ``dest`` and record the export (filters and counts, no PHI)."""
    origin = Origin(clock.utcnow(), actor.name if actor is not None else NO_ONE,
                    filters.described())
    workbook, counts, ids = new_workbook(), Counts(), filters.case_ids()
    workbook.properties.title = TITLE
    workbook.properties.subject = origin.scope
    workbook.properties.description = SIGNS
    workbook.properties.creator = workbook.properties.lastModifiedBy = origin.by
    workbook.properties.created = workbook.properties.modified = \
        origin.at.astimezone(UTC).replace(tzinfo=None)
    for title, columns, rows, counter in SHEETS:
        sheet = SheetWriter(workbook, title, columns, origin.heading())
        for row in rows(ids):
            sheet.append(row)
            if progress and sheet.rows % BATCH == 0:
                progress(BATCH)
        if progress:
            progress(sheet.rows % BATCH)
        sheet.close()
        setattr(counts, counter, sheet.rows)
    about = SheetWriter(workbook, "About", ABOUT, origin.heading())
    about.extend(origin.about_rows(counts))
    about.close()
    workbook.save(dest)
    audit.record(actor, "reconciliation.exported", "reconciliation", None,
                 {"filters": filters.details(), **asdict(counts)})
    return counts
