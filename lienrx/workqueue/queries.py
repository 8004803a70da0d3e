"""The work queue's read model: each stage's items (one query per stage, named after it),
counts per stage, search by patient name, Rx number or firm file number, sorting and paging.

Patient names are encrypted at rest, so they are read (and decrypted) for the page shown
only, or for a search, which matches them after reading, as the case lists do; the whole read
is audited once (it names patients), without names or search text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from functools import cached_property
from typing import Any

import sqlalchemy as sa

from lienrx.audit import services as audit
from lienrx.auth.models import User
from lienrx.case_documents import rules as document_rules
from lienrx.case_documents.models import CaseDocument
from lienrx.cases import rules as case_rules
from lienrx.cases.models import Case, LienAgreement
from lienrx.compounding.models import CompoundingRecord
from lienrx.core import clock
from lienrx.core.actors import Actor
from lienrx.core.errors import NotFound
from lienrx.core.numbers import num
from lienrx.core.paging import Page
from lienrx.core.security import ATTORNEY
from lienrx.dispensing import queries as dispensing_queries
from lienrx.dispensing.models import Dispense
from lienrx.dispensing.queries import RxDue
from lienrx.dur.models import DurAlert
from lienrx.extensions import db
from lienrx.formulary.models import Product
from lienrx.inventory import queries as inventory_queries
from lienrx.ledger.models import JournalEntry
from lienrx.parties.models import LawFirm, Patient
from lienrx.pdmp import queries as pdmp_queries
from lienrx.pdmp import services as pdmp
from lienrx.pdmp.profiles import profile_for
from lienrx.prescribing.models import Prescription
from lienrx.reduction_requests import rules as request_rules
from lienrx.reduction_requests.models import ReductionRequest
from lienrx.settlement.models import Payment, PayoffStatement, Settlement
from lienrx.workqueue import rules
from lienrx.workqueue.rules import Stage


def rx_number(prescription_id: int) -> str:
    """The prescription number as the label and the pages show it."""
    return f"RX{prescription_id:07d}"


@dataclass(frozen=True)
class Item:
    """One thing waiting in a stage: what it is, where to act on it, its case (None: it names
    no patient), since when it waits (the pharmacy's date) and when it is due (None: no
    deadline). The patient's name and the firm's file number are filled in by ``named``."""

    stage: str
    ref: str
    endpoint: str
    args: dict[str, Any]
    detail: str
    since: date
    due: date | None = None
    case_id: int | None = None
    rx: str | None = None
    urgent: bool = False
    patient: str | None = None
    file_number: str | None = None

    def matches(self, needle: str) -> bool:
        """Whether the (case-folded) search text is in the patient's name, either way round,
        the Rx number (with or without its zeros), the firm's file number or the item's own
        reference (a batch's lot, a case number)."""
        names = [self.patient.casefold()] if self.patient else []
        if self.patient and " " in self.patient:
            first, last = self.patient.split(" ", 1)
            names.append(f"{last}, {first}".casefold())
        if any(needle in name for name in names):
            return True
        if needle in self.ref.casefold() or (
                self.file_number and needle in self.file_number.casefold()):
            return True
        digits = needle.removeprefix("rx").lstrip("0")
        return bool(self.rx and digits.isdigit() and self.rx[2:].lstrip("0") == digits)


@dataclass
class Snapshot:
    """What the stage queries share in one read: today and the fillable prescriptions."""

    today: date

    @cached_property
    def due(self) -> dispensing_queries.DueScan:
        return dispensing_queries.fillable_by_due_date(self.today)

    @cached_property
    def open_alert_rx(self) -> set[int]:
        return set(db.session.execute(
            sa.select(DurAlert.prescription_id).where(DurAlert.status == "open")).scalars())

    @cached_property
    def batch_products(self) -> tuple[set[int], set[int]]:
        """(products with a verified batch to fill from, products with a batch waiting)."""
        usable: set[int] = set()
        waiting: set[int] = set()
        for product_id, status in db.session.execute(
                sa.select(CompoundingRecord.product_id, CompoundingRecord.status).where(
                    sa.or_(CompoundingRecord.status == "pending_verification", sa.and_(
                        CompoundingRecord.status == "verified",
                        CompoundingRecord.beyond_use_date > self.today,
                        CompoundingRecord.remaining_quantity > Decimal(0))))):
            (usable if status == "verified" else waiting).add(product_id)
        return usable, waiting


def named(items: list[Item]) -> list[Item]:
    """The items with their patients' names and firm file numbers, read in one query."""
    ids = sorted({item.case_id for item in items if item.case_id is not None})
    if not ids:
        return items
    names = {case_id: (f"{first} {last}", file_number) for case_id, first, last, file_number
             in db.session.execute(
                 sa.select(Case.id, Patient.first_name, Patient.last_name, Case.firm_file_number)
                 .join(Patient, Patient.id == Case.patient_id).where(Case.id.in_(ids)))}
    return [item if item.case_id is None else replace(
        item, patient=names[item.case_id][0], file_number=names[item.case_id][1])
        for item in items]


def _case_item(stage: str, row: Any, since: date, endpoint: str = "staff.case",
               detail: str = "") -> Item:
    return Item(stage, f"Case {row.id}", endpoint, {"case_id": row.id},
                detail or row.firm_name, since, case_id=row.id)


def _cases(*where: Any, extra: Iterable[Any] = ()) -> list[Any]:
    return list(db.session.execute(
        sa.select(Case.id, Case.created_at, LawFirm.name.label("firm_name"), *extra)
        .join(LawFirm, LawFirm.id == Case.law_firm_id).where(*where).order_by(Case.id)))


def _agreement_in_force() -> Any:
    return sa.exists().where(LienAgreement.case_id == Case.id, LienAgreement.status == "active")


def _agreement_on_file() -> Any:
    return sa.exists().where(CaseDocument.case_id == Case.id,
                             CaseDocument.kind == document_rules.LIEN_AGREEMENT,
                             CaseDocument.revoked_at.is_(None))


def intake(snap: Snapshot) -> list[Item]:
    """Cases in intake with no agreement in force and none on file."""
    return [_case_item("intake", row, clock.local_date(row.created_at)) for row in _cases(
        Case.status == case_rules.INTAKE, ~_agreement_in_force(), ~_agreement_on_file())]


def agreements(snap: Snapshot) -> list[Item]:
    """Cases in intake whose signed agreement is on file but not recorded."""
    on_file = (sa.select(sa.func.min(CaseDocument.uploaded_at))
               .where(CaseDocument.case_id == Case.id,
                      CaseDocument.kind == document_rules.LIEN_AGREEMENT,
                      CaseDocument.revoked_at.is_(None)).scalar_subquery())
    return [_case_item("agreements", row, clock.local_date(row.uploaded), detail=(
        f"{row.firm_name}: record the signed agreement")) for row in _cases(
        Case.status == case_rules.INTAKE, ~_agreement_in_force(), _agreement_on_file(),
        extra=[on_file.label("uploaded")])]


def entry(snap: Snapshot) -> list[Item]:
    """Active cases with an agreement in force and no prescription entered (a cancelled one
    does not count)."""
    signed = (sa.select(sa.func.max(LienAgreement.created_at))
              .where(LienAgreement.case_id == Case.id, LienAgreement.status == "active")
              .scalar_subquery())
    entered = sa.exists().where(Prescription.case_id == Case.id,
                                Prescription.status != "cancelled")
    return [_case_item("entry", row, clock.local_date(row.signed), "staff.new_prescription",
                       f"{row.firm_name}: enter the prescription") for row in _cases(
        Case.status == case_rules.ACTIVE, _agreement_in_force(), ~entered,
        extra=[signed.label("signed")])]


def dur(snap: Snapshot) -> list[Item]:
    """Prescriptions in use (active, not expired, fills left) on open cases with an open
    alert, one item per prescription."""
    rows = db.session.execute(
        sa.select(Prescription.id, Prescription.case_id, Product.name,
                  sa.func.min(DurAlert.created_at).label("raised"),
                  sa.func.count(DurAlert.id).label("alerts"),
                  sa.func.sum(sa.case((DurAlert.severity == "high", 1), else_=0)).label("high"))
        .join(DurAlert, DurAlert.prescription_id == Prescription.id)
        .join(Product, Product.id == Prescription.product_id)
        .join(Case, Case.id == Prescription.case_id)
        .where(DurAlert.status == "open", Prescription.status == "active",
               Prescription.expires_on >= snap.today,
               Prescription.quantity_dispensed + Prescription.quantity_forfeited
               < Prescription.quantity * (1 + Prescription.refills_authorized),
               Case.status.not_in(case_rules.CLOSED_STATUSES))
        .group_by(Prescription.id, Prescription.case_id, Product.name)
        .order_by(Prescription.id)).all()
    return [Item("dur", rx_number(row.id), "staff.prescription", {"prescription_id": row.id},
                 f"{row.name}: {row.alerts} open alert(s)"
                 + (f", {row.high} high" if row.high else ""),
                 clock.local_date(row.raised), case_id=row.case_id, rx=rx_number(row.id),
                 urgent=bool(row.high)) for row in rows]


def _rx_item(stage: str, snap: Snapshot, item: RxDue, detail: str,
             endpoint: str = "staff.prescription", args: dict[str, Any] | None = None) -> Item:
    rx = item.prescription
    return Item(stage, rx_number(rx.id), endpoint, args or {"prescription_id": rx.id}, detail,
                clock.local_date(rx.created_at), item.due_on, item.case.id, rx_number(rx.id))


def _compounded_without_batch(snap: Snapshot, item: RxDue) -> bool:
    usable, waiting = snap.batch_products
    product = item.prescription.product
    return (product.kind == "compounded" and product.id not in usable
            and product.id not in waiting)


def compounding(snap: Snapshot) -> list[Item]:
    """Compounded prescriptions due within ``COMPOUNDING_AHEAD_DAYS``, with no open alert,
    and no verified batch of the product to fill from nor one waiting for verification."""
    horizon = snap.today + timedelta(days=rules.COMPOUNDING_AHEAD_DAYS)
    return [_rx_item("compounding", snap, item,
                     f"{item.prescription.product.name}: make a batch",
                     "staff.new_batch", {"product_id": item.prescription.product_id})
            for item in snap.due.items
            if item.due_on <= horizon and item.prescription.id not in snap.open_alert_rx
            and _compounded_without_batch(snap, item)]


def verification(snap: Snapshot) -> list[Item]:
    """Batches waiting for a pharmacist's verification (a batch names no patient)."""
    rows = db.session.execute(
        sa.select(CompoundingRecord.id, CompoundingRecord.lot_number,
                  CompoundingRecord.created_at, Product.name)
        .join(Product, Product.id == CompoundingRecord.product_id)
        .where(CompoundingRecord.status == "pending_verification")
        .order_by(CompoundingRecord.id)).all()
    return [Item("verification", f"Batch {row.lot_number}", "staff.batch",
                 {"record_id": row.id}, f"{row.name}: verify the batch",
                 clock.local_date(row.created_at)) for row in rows]


def ready(snap: Snapshot) -> list[Item]:
    """Prescriptions due today or earlier with no open alert and, when compounded, a
    verified batch of the product to fill from."""
    usable, _ = snap.batch_products
    return [_rx_item("ready", snap, item, f"{item.prescription.product.name}: dispense")
            for item in snap.due.items
            if item.due_on <= snap.today and item.prescription.id not in snap.open_alert_rx
            and (item.prescription.product.kind != "compounded"
                 or item.prescription.product_id in usable)]


def dispensed(snap: Snapshot) -> list[Item]:
    """Fills dispensed today and not reversed."""
    rows = db.session.execute(
        sa.select(Dispense.id, Dispense.prescription_id, Dispense.case_id, Dispense.quantity,
                  Dispense.dispensed_on, Product.name, Product.unit)
        .join(Prescription, Prescription.id == Dispense.prescription_id)
        .join(Product, Product.id == Prescription.product_id)
        .where(Dispense.dispensed_on == snap.today, Dispense.status == "dispensed")
        .order_by(Dispense.id)).all()
    return [Item("dispensed", rx_number(row.prescription_id), "staff.prescription",
                 {"prescription_id": row.prescription_id},
                 f"{row.name}: {num(row.quantity)} {row.unit} dispensed",
                 row.dispensed_on, case_id=row.case_id, rx=rx_number(row.prescription_id))
            for row in rows]


def reductions(snap: Snapshot) -> list[Item]:
    """Reduction requests waiting on billing (pending) on cases not closed."""
    found = {row.id: row for row in _cases(Case.status.not_in(case_rules.CLOSED_STATUSES))}
    rows = db.session.execute(
        sa.select(ReductionRequest.id, ReductionRequest.case_id, ReductionRequest.created_at)
        .where(ReductionRequest.status == request_rules.PENDING,
               ReductionRequest.case_id.in_(found)).order_by(ReductionRequest.id)).all()
    return [_case_item("reductions", found[row.case_id], clock.local_date(row.created_at),
                       "staff.settlement", f"Reduction request {row.id}: answer it")
            for row in rows]


def payoffs(snap: Snapshot) -> list[Item]:
    """Open cases whose newest payoff statement was requested by the firm's attorney, is
    still within its date, and is void because the ledger moved after it."""
    newest = (sa.select(sa.func.max(PayoffStatement.id)).where(
        PayoffStatement.case_id == Case.id).correlate(Case).scalar_subquery())
    moved = sa.exists().where(JournalEntry.case_id == Case.id,
                              JournalEntry.id > sa.func.coalesce(PayoffStatement.last_entry_id, 0))
    rows = db.session.execute(
        sa.select(Case.id, LawFirm.name.label("firm_name"), PayoffStatement.issued_at)
        .join(LawFirm, LawFirm.id == Case.law_firm_id)
        .join(PayoffStatement, PayoffStatement.id == newest)
        .join(User, User.id == PayoffStatement.issued_by_user_id)
        .where(Case.status.not_in(case_rules.CLOSED_STATUSES), User.role == ATTORNEY,
               PayoffStatement.valid_through >= snap.today, moved)
        .order_by(Case.id)).all()
    return [_case_item("payoffs", row, clock.local_date(row.issued_at), "staff.settlement",
                       f"{row.firm_name}: the statement they asked for on "
                       f"{clock.local_date(row.issued_at).isoformat()} is void; issue a new one")
            for row in rows]


def _payment_posted() -> Any:
    return sa.exists().where(Payment.case_id == Case.id)


def _settled_cases(*where: Any) -> list[Any]:
    settled_on = (sa.select(sa.func.max(Settlement.settled_on))
                  .where(Settlement.case_id == Case.id).scalar_subquery())
    return _cases(Case.status == case_rules.SETTLED, *where,
                  extra=[settled_on.label("settled_on")])


def settlements(snap: Snapshot) -> list[Item]:
    """Settled cases with no payment posted yet."""
    return [_case_item("settlements", row, row.settled_on or clock.local_date(row.created_at),
                       "staff.settlement", f"{row.firm_name}: post the payment")
            for row in _settled_cases(~_payment_posted())]


def closing(snap: Snapshot) -> list[Item]:
    """Settled cases with a payment posted, waiting to be closed."""
    return [_case_item("closing", row, row.settled_on or clock.local_date(row.created_at),
                       "staff.settlement", f"{row.firm_name}: close the case")
            for row in _settled_cases(_payment_posted())]


def pdmp_reports(snap: Snapshot) -> list[Item]:
    """Past business days without a submitted report, and reports the state rejected
    (nothing when the home state has no PDMP profile)."""
    profile = profile_for(pdmp.home_state())
    if profile is None:
        return []
    missing = [Item("pdmp", f"PDMP {day.report_date.isoformat()}", "staff.pdmp_reports", {},
                    f"No report submitted; due {day.deadline}"
                    + (" (overdue)" if day.overdue else ""),
                    day.report_date, day.deadline, urgent=day.overdue)
               for day in pdmp_queries.days_without_submitted_report(profile, snap.today)]
    rejected = [Item("pdmp", f"PDMP {r.state} {r.report_date.isoformat()}",
                     "staff.pdmp_report", {"report_id": r.id},
                     "Rejected by the state; correct and generate again", r.report_date,
                     urgent=True) for r in pdmp_queries.rejected_reports()]
    return missing + rejected


def inventory(snap: Snapshot) -> list[Item]:
    """The biennial inventory when due (or never taken), DEA loss notices whose Form 106 is
    still within its days, and lots whose latest count found a variance."""
    items = []
    biennial = inventory_queries.biennial_status()
    if biennial is not None and biennial.shown(snap.today):
        detail = ("Biennial inventory never taken" if biennial.due_on is None
                  else f"Biennial inventory overdue since {biennial.due_on} (last {biennial.last})"
                  if biennial.due_on < snap.today
                  else f"Biennial inventory due by {biennial.due_on} (last {biennial.last})")
        items.append(Item("inventory", "Biennial inventory", "staff.count_sheet", {}, detail,
                          biennial.last or snap.today, biennial.due_on,
                          urgent=biennial.due_on is None or biennial.due_on < snap.today))
    for loss in inventory_queries.loss_notices(snap.today):
        move = loss.movement
        items.append(Item(
            "inventory", f"Loss notice: {move.lot.drug} lot {move.lot.lot_number}",
            "staff.inventory_lot", {"lot_id": move.lot_id},
            f"{move.kind} of {num(abs(move.quantity))} {move.lot.unit} discovered "
            f"{move.discovered_on}: DEA notice due by {loss.notice_due}; Form 106 by "
            f"{loss.form_106_due}",
            move.discovered_on or snap.today, loss.notice_due, urgent=True))
    for line in inventory_queries.lots_with_variance():
        items.append(Item(
            "inventory", f"Variance: {line.lot.drug} lot {line.lot.lot_number}",
            "staff.inventory_lot", {"lot_id": line.lot_id},
            f"Count {line.count_id} found a variance of {num(line.variance)} "
            f"{line.lot.unit}",
            clock.local_date(line.count.counted_at)))
    return items


QUERIES: dict[str, Callable[[Snapshot], list[Item]]] = {
    "intake": intake, "entry": entry, "dur": dur, "compounding": compounding,
    "verification": verification, "ready": ready, "dispensed": dispensed,
    "agreements": agreements, "payoffs": payoffs, "reductions": reductions,
    "settlements": settlements, "closing": closing, "pdmp": pdmp_reports, "inventory": inventory,
}


@dataclass(frozen=True)
class Filters:
    """What the person asked for: a stage (empty: every stage they see), search text, sort
    and page."""

    stage: str = ""
    q: str = ""
    sort: str = rules.DEFAULT_SORT
    page: int = 1


@dataclass(frozen=True)
class StageCount:
    """A stage as the summary strip shows it: how many items it holds (matching the
    search)."""

    stage: Stage
    count: int


@dataclass(frozen=True)
class Queue:
    """The queue as one person sees it: the strip of counts, the page of items, and how
    many fillable prescriptions were checked for due dates out of how many."""

    stages: list[StageCount]
    items: Page[Item]
    filters: Filters
    checked: int = 0
    fillable: int = 0
    titles: dict[str, str] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(entry.count for entry in self.stages)


def _sort_key(sort: str, position: dict[str, int]) -> Callable[[Item], Any]:
    far = date.max
    if sort == "due":
        return lambda item: (item.due or far, item.since, position[item.stage])
    if sort == "newest":
        return lambda item: (-item.since.toordinal(), position[item.stage])
    return lambda item: (item.since, position[item.stage])


def work_queue(actor: Actor, filters: Filters, *, page_size: int | None = None) -> Queue:
    """The actor's stages with their counts and one page of items, oldest first unless
    asked otherwise; audited (the items name patients) without names or search text."""
    seen = rules.stages_for(actor.role)
    page_size = page_size or rules.PAGE_SIZE
    if filters.stage and filters.stage not in {stage.key for stage in seen}:
        raise NotFound("No such stage in your work queue.")
    snap = Snapshot(clock.today())
    needle = " ".join(filters.q.split()).casefold()
    by_stage = {stage.key: QUERIES[stage.key](snap) for stage in seen}
    if needle:  # names are read for every stage's items at once, then matched
        found = [item for item in named([item for items in by_stage.values() for item in items])
                 if item.matches(needle)]
        by_stage = {key: [item for item in found if item.stage == key] for key in by_stage}
    position = {stage.key: i for i, stage in enumerate(seen)}
    chosen = [item for stage in seen if filters.stage in ("", stage.key)
              for item in by_stage[stage.key]]
    chosen.sort(key=_sort_key(filters.sort, position))
    page = max(1, filters.page)
    shown = chosen[(page - 1) * page_size:page * page_size]
    shown = shown if needle else named(shown)
    scanned = "due" in snap.__dict__  # the fillable prescriptions were read
    queue = Queue([StageCount(stage, len(by_stage[stage.key])) for stage in seen],
                  Page(shown, len(chosen), page, page_size), filters,
                  snap.due.checked if scanned else 0, snap.due.fillable if scanned else 0,
                  {stage.key: stage.title for stage in seen})
    audit.record(actor, "work_queue.read", "work_queue", None,
                 {"stage": filters.stage or "all", "shown": len(shown), "page": page,
                  "searched": bool(needle)})
    return queue
