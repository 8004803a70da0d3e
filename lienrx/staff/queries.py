"""Read queries the staff pages need that no domain offers: work-queue lists and pickers.

Nothing here writes, except the audit records of PHI reads (the queue, a POGOS preview).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from lienrx.attestations import builder
from lienrx.audit import services as audit
from lienrx.auth.models import User
from lienrx.cases import rules as case_rules
from lienrx.cases import services as cases
from lienrx.cases.models import Case
from lienrx.compounding.models import CompoundingRecord
from lienrx.core.paging import Page, fetch_page
from lienrx.core.security import ATTORNEY
from lienrx.dispensing.models import Dispense
from lienrx.dispensing.services import last_fill, refill_due_on
from lienrx.dur.models import DurAlert
from lienrx.extensions import db
from lienrx.formulary.models import Product
from lienrx.parties.models import LawFirm, Prescriber
from lienrx.prescribing.models import Prescription

LIMIT = 100  # a work-queue section shows this many and says how many there are
SCANNED = LIMIT * 5  # fillable prescriptions checked for due dates; the page says when capped
DUE_SOON_DAYS = 7


@dataclass(frozen=True)
class RxDue:
    """A prescription with a fill left, and the day its next fill is due."""

    prescription: Prescription
    case: Case
    due_on: date


def _fillable(today: date) -> Page[Any]:
    """The first ``SCANNED`` fillable prescriptions with their cases, and how many there are."""
    return fetch_page(
        sa.select(Prescription, Case).join(Case, Case.id == Prescription.case_id)
        .where(Prescription.status == "active", Prescription.expires_on >= today,
               Case.status == case_rules.ACTIVE,
               Prescription.quantity_dispensed
               < Prescription.quantity * (1 + Prescription.refills_authorized))
        .order_by(Prescription.id), page_size=SCANNED, scalars=False)


@dataclass(frozen=True)
class DueLists:
    """The queue's two prescription lists (each a page of at most ``LIMIT`` with its total)
    and how many fillable prescriptions were checked out of how many there are."""

    ready: Page[RxDue]
    soon: Page[RxDue]
    checked: int
    fillable: int

    def __iter__(self) -> Iterator[Page[RxDue]]:  # ready, soon = ...
        return iter((self.ready, self.soon))


def prescriptions_by_due_date(actor: Any, today: date) -> DueLists:
    """(ready to fill today, refills coming due within a week), each at most ``LIMIT`` shown
    with its total; audited, as the queue names the patients."""
    ready, soon = [], []
    fillable = _fillable(today)
    for rx, case in fillable:
        previous = last_fill(rx.id)
        due = today if previous is None else refill_due_on(rx, previous)
        if due <= today:
            ready.append(RxDue(rx, case, due))
        elif due <= today + timedelta(days=DUE_SOON_DAYS):
            soon.append(RxDue(rx, case, due))
    soon.sort(key=lambda item: item.due_on)
    audit.record(actor, "work_queue.read", "prescription", None,
                 {"ready": len(ready[:LIMIT]), "soon": len(soon[:LIMIT])})
    return DueLists(Page(ready[:LIMIT], len(ready), 1, LIMIT),
                    Page(soon[:LIMIT], len(soon), 1, LIMIT), len(fillable), fillable.total)


def pending_batches() -> Page[CompoundingRecord]:
    """Batches waiting for a pharmacist's verification, oldest first (the first ``LIMIT``
    and how many there are)."""
    return fetch_page(
        sa.select(CompoundingRecord).where(CompoundingRecord.status == "pending_verification")
        .order_by(CompoundingRecord.id), page_size=LIMIT)


def recent_batches() -> list[CompoundingRecord]:
    """The latest batches of any status."""
    return list(db.session.execute(
        sa.select(CompoundingRecord).order_by(CompoundingRecord.id.desc()).limit(25)).scalars())


def open_alerts() -> Page[Any]:
    """DUR alerts without a resolution on prescriptions still in use, high severity first
    (the first ``LIMIT`` as (alert, prescription) and how many there are)."""
    order = sa.case((DurAlert.severity == "high", 0), (DurAlert.severity == "moderate", 1),
                    else_=2)
    return fetch_page(
        sa.select(DurAlert, Prescription).join(Prescription,
                                               Prescription.id == DurAlert.prescription_id)
        .where(DurAlert.status == "open", Prescription.status == "active")
        .order_by(order, DurAlert.id), page_size=LIMIT, scalars=False)


def cases_with_status(status: str) -> Page[Case]:
    """Cases in one status, oldest first (the first ``LIMIT`` and how many there are; no PHI
    is read)."""
    return fetch_page(sa.select(Case).where(Case.status == status).order_by(Case.id),
                      page_size=LIMIT)


def status_counts() -> dict[str, int]:
    """How many cases are in each status."""
    counts = dict.fromkeys(case_rules.STATUSES, 0)
    counts.update({status: n for status, n in db.session.execute(
        sa.select(Case.status, sa.func.count()).group_by(Case.status)).all()})
    return counts


def law_firms() -> list[LawFirm]:
    """Every law firm by name (for pickers)."""
    return list(db.session.execute(sa.select(LawFirm).order_by(LawFirm.name)).scalars())


def attorneys() -> list[User]:
    """Active attorney accounts with their firm (for the attorney-of-record picker)."""
    return list(db.session.execute(
        sa.select(User).where(User.role == ATTORNEY, User.active.is_(True))
        .order_by(User.name)).scalars())


def find_prescribers(text: str) -> list[Prescriber]:
    """Prescribers whose NPI or DEA number is ``text`` or whose last name starts with it."""
    text = text.strip()
    if not text:
        return []
    return list(db.session.execute(
        sa.select(Prescriber).where(sa.or_(
            Prescriber.npi == text, Prescriber.dea_number == text.upper(),
            sa.func.lower(Prescriber.last_name).startswith(text.lower(), autoescape=True)))
        .order_by(Prescriber.last_name, Prescriber.first_name).limit(LIMIT)).scalars())


def prescribers() -> list[Prescriber]:
    """Every prescriber by name (for the prescription form)."""
    return list(db.session.execute(
        sa.select(Prescriber).order_by(Prescriber.last_name, Prescriber.first_name)).scalars())


def products() -> list[Product]:
    """The active formulary by code."""
    return list(db.session.execute(
        sa.select(Product).where(Product.active.is_(True)).order_by(Product.code)).scalars())


def compounded_products() -> list[Product]:
    """Compounded products (those with a master formulation)."""
    return [p for p in products() if p.kind == "compounded" and p.formulation is not None]


def case_prescriptions(case_id: int) -> list[Prescription]:
    """All of a case's prescriptions, newest first."""
    return list(db.session.execute(
        sa.select(Prescription).where(Prescription.case_id == case_id)
        .order_by(Prescription.id.desc())).scalars())


def case_dispenses(case_id: int) -> list[Dispense]:
    """A case's fills, newest first."""
    return list(db.session.execute(
        sa.select(Dispense).where(Dispense.case_id == case_id)
        .order_by(Dispense.id.desc())).scalars())


def prescription_dispenses(prescription_id: int) -> list[Dispense]:
    """A prescription's fills in fill order."""
    return list(db.session.execute(
        sa.select(Dispense).where(Dispense.prescription_id == prescription_id)
        .order_by(Dispense.fill_number)).scalars())


def dispensable_batches(product_id: int, today: date) -> list[CompoundingRecord]:
    """Verified batches of a product with stock left and their BUD still ahead."""
    return list(db.session.execute(
        sa.select(CompoundingRecord).where(
            CompoundingRecord.product_id == product_id,
            CompoundingRecord.status == "verified",
            CompoundingRecord.beyond_use_date > today,
            CompoundingRecord.remaining_quantity > Decimal(0))
        .order_by(CompoundingRecord.beyond_use_date)).scalars())


def user_names(ids: set[int | None]) -> dict[int, str]:
    """Names of users by id (compounders, verifiers, pharmacists)."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = db.session.execute(sa.select(User.id, User.name).where(User.id.in_(wanted))).all()
    return {user_id: name for user_id, name in rows}


def preview_attestation(actor: Any, case_id: int, narrative: str | None) -> dict[str, Any]:
    """The POGOS document the case would carry if ``actor`` signed now (nothing stored)."""
    case = cases.get_case(actor, case_id)
    document = builder.build_document(case.id, actor, narrative)
    audit.record(actor, "attestation.previewed", "case", case.id)
    return document
