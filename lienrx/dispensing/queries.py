"""Read models of fills: a case's fills for the POGOS, the custodian certificate and the pages,
the pharmacy's work queue by refill due date, and a law firm's liens by their fills.

The firm's case list is one query for the page (balances and last fills aggregated in
subqueries, the client's name joined in), one count, and one query for the page's refill
schedule: the number of queries does not grow with the number of rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased, selectinload

from lienrx.audit import services as audit
from lienrx.auth.models import User
from lienrx.case_documents.queries import authorized_case_ids
from lienrx.cases import rules as case_rules
from lienrx.cases.models import Case
from lienrx.compounding.models import CompoundingRecord
from lienrx.core import clock
from lienrx.core.actors import Actor
from lienrx.core.errors import NotFound
from lienrx.core.money import format_cents
from lienrx.core.paging import Page, fetch_page
from lienrx.core.schemas import plain_number
from lienrx.disclosures import services as disclosures
from lienrx.dispensing import supplies
from lienrx.dispensing.models import Dispense
from lienrx.dispensing.supplies import refill_due_on
from lienrx.dur.models import DurAlert
from lienrx.extensions import db
from lienrx.formulary.models import MasterFormulation, Product, ProductNdc
from lienrx.ledger.invariants import Booked
from lienrx.ledger.models import LedgerAccount, Posting
from lienrx.ledger.queries import case_balances
from lienrx.parties.models import Patient, Prescriber
from lienrx.prescribing import fills
from lienrx.prescribing.models import Prescription
from lienrx.prescribing.services import effective_status

SCANNED = 500  # fillable prescriptions checked for due dates; the page says when capped


def hyphenated_ndc(ndc: str | None) -> str | None:
    """An 11-digit NDC shown 5-4-2."""
    return None if ndc is None else f"{ndc[:5]}-{ndc[5:9]}-{ndc[9:]}"


def _dose(rx: Prescription) -> dict[str, str] | None:
    dose = rx.dose
    return None if dose is None else {"amount": plain_number(dose.amount), "unit": dose.unit,
                                      "times_per_day": plain_number(dose.times_per_day)}


def _daily_dose(rx: Prescription) -> dict[str, str] | None:
    dose = rx.dose
    return None if dose is None else {"amount": plain_number(dose.daily_amount),
                                      "unit": dose.unit}


def fill_lines(case_id: int) -> list[dict[str, Any]]:
    """Every fill of the case, oldest first, reversed fills included, in one query.

    A line carries what its own prescription says: its diagnosis codes (empty when the
    prescriber gave none, never the case's), its indication, sig and structured dose; and
    where the fill stands in it (refill number of refills authorised, partial sequence).
    """
    pharmacist = aliased(User)
    rows = db.session.execute(
        sa.select(Dispense, Prescription, Product, Prescriber, pharmacist,
                  CompoundingRecord, MasterFormulation, ProductNdc.labeler)
        .join(Prescription, Prescription.id == Dispense.prescription_id)
        .join(Product, Product.id == Prescription.product_id)
        .join(Prescriber, Prescriber.id == Prescription.prescriber_id)
        .join(pharmacist, pharmacist.id == Dispense.pharmacist_user_id)
        .outerjoin(CompoundingRecord, CompoundingRecord.id == Dispense.compounding_record_id)
        .outerjoin(MasterFormulation, MasterFormulation.id == CompoundingRecord.formulation_id)
        .outerjoin(ProductNdc, sa.and_(ProductNdc.product_id == Product.id,
                                       ProductNdc.ndc == Dispense.ndc))
        .where(Dispense.case_id == case_id)
        .order_by(Dispense.dispensed_on, Dispense.id)
    ).all()
    lines = []
    for fill, rx, product, prescriber, rph, batch, formulation, labeler in rows:
        compounded = batch is not None
        lines.append({
            "dispense_id": fill.id, "dispensed_on": fill.dispensed_on.isoformat(),
            "fill_number": fill.fill_number, "prescription_id": rx.id,
            "written_on": rx.written_on.isoformat(), "refill_number": fill.refill_number,
            "refills_authorized": rx.refills_authorized,
            "partial_sequence": fill.partial_sequence, "fill_parts": list(fill.fill_parts or []),
            "product_code": product.code, "product_name": product.name,
            "product_kind": product.kind,
            "ndc": None if compounded else hyphenated_ndc(fill.ndc),
            "ndc_labeler": None if compounded else labeler,
            "ndc_lot": None if compounded else fill.lot_number,
            "formulation": (f"MFR {formulation.id} v{batch.formulation_version}"
                            if compounded else None),
            "batch_lot": batch.lot_number if compounded else None,
            "beyond_use_date": batch.beyond_use_date.isoformat() if compounded else None,
            "quantity": plain_number(fill.quantity), "unit": product.unit,
            "days_supply": fill.days_supply, "sig": rx.sig, "dose": _dose(rx),
            "daily_dose": _daily_dose(rx),
            "prescriber_name": prescriber.display_name, "prescriber_npi": prescriber.npi,
            "pharmacist_name": rph.name, "pharmacist_license": rph.license_number,
            "charge": format_cents(fill.charge_cents),
            "icd10_codes": list(rx.diagnosis_codes or []), "indication": rx.indication,
            "status": fill.status, "refill_too_soon_override": fill.refill_override_reason,
            "bud_override": fill.bud_override_reason,
            "late_entry": fill.late_entry, "late_entry_reason": fill.late_entry_reason,
        })
    return lines


def case_dur_alerts(case_id: int) -> list[dict[str, Any]]:
    """DUR alerts raised on the case's prescriptions, with their resolutions in words and
    their NCPDP codes."""
    resolver = aliased(User)
    rows = db.session.execute(
        sa.select(DurAlert, resolver.name)
        .join(Prescription, Prescription.id == DurAlert.prescription_id)
        .outerjoin(resolver, resolver.id == DurAlert.resolved_by_user_id)
        .where(Prescription.case_id == case_id)
        .order_by(DurAlert.id)
    ).all()
    reviewed_at = _first_dispense_reviewing(case_id)
    return [{"alert_id": alert.id, "prescription_id": alert.prescription_id,
             "dispense_id": reviewed_at.get(alert.id), "kind": alert.kind,
             "severity": alert.severity, "message": alert.message,
             "resolution": alert.resolution_in_words, "reason": alert.reason_code,
             "professional_service": alert.professional_service_code,
             "result": alert.result_code, "contacted_name": alert.contacted_name,
             "contacted_at": alert.contacted_at.isoformat() if alert.contacted_at else None,
             "resolved_by": name,
             "resolved_at": alert.resolved_at.isoformat() if alert.resolved_at else None}
            for alert, name in rows]


def _first_dispense_reviewing(case_id: int) -> dict[int, int]:
    seen: dict[int, int] = {}
    reviews = db.session.execute(
        sa.select(Dispense.id, Dispense.dur_review).where(Dispense.case_id == case_id)
        .order_by(Dispense.id)).all()
    for dispense_id, review in reviews:
        for item in review or []:
            seen.setdefault(item["id"], dispense_id)
    return seen


def medication_rationale(lines: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Why each medication was given, in the prescriber's words: one item per prescription
    with a fill that stands, its stated indication (None when the prescription predates the
    field), the prescriber it is attributed to and the prescription's own diagnosis codes.

    Nothing comes from the formulary: a product's description is not a clinical reason.
    """
    by_rx: dict[int, dict[str, Any]] = {}
    for line in lines:
        if line["status"] == "reversed":
            continue
        item = by_rx.setdefault(line["prescription_id"], {
            "prescription_id": line["prescription_id"], "product_code": line["product_code"],
            "product_name": line["product_name"], "written_on": line["written_on"],
            "indication": line["indication"], "source": "prescription",
            "stated_by": {"name": line["prescriber_name"], "npi": line["prescriber_npi"]},
            "icd10_codes": list(line["icd10_codes"]),
            "first_dispensed_on": line["dispensed_on"],
            "last_dispensed_on": line["dispensed_on"], "fills": 0})
        item["fills"] += 1
        item["last_dispensed_on"] = line["dispensed_on"]
    return list(by_rx.values())


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
        .options(selectinload(Prescription.fills), selectinload(Prescription.product))
        .where(Prescription.status == "active", Prescription.expires_on >= today,
               Case.status == case_rules.ACTIVE,
               Prescription.quantity_dispensed + Prescription.quantity_forfeited
               < Prescription.quantity * (1 + Prescription.refills_authorized))
        .order_by(Prescription.id), page_size=SCANNED, scalars=False)


@dataclass(frozen=True)
class DueScan:
    """Fillable prescriptions with the day each next fill is due, and how many fillable
    prescriptions were checked out of how many there are."""

    items: list[RxDue]
    checked: int
    fillable: int


def _due(rx: Prescription, today: date, held: list[supplies.Supply]) -> date:
    """Today for the rest of a fill in progress (no refill timing); else the day the
    patient's supplies ``held`` of the drug allow a new fill (SPEC §7.2), today at the
    earliest."""
    current = fills.current_fill(rx)
    if current is not None and current.begun:
        return today
    found = supplies.next_fill_due(rx, held)
    return max(today, found[0]) if found else today


def fillable_by_due_date(today: date) -> DueScan:
    """Prescriptions in use on active cases (not expired, not exhausted, not cancelled) with
    the day their next fill is due, soonest first; at most ``SCANNED`` are checked. The
    caller audits the read (the prescriptions lead to their patients)."""
    fillable = _fillable(today)
    held = supplies.held((case.patient_id for _, case in fillable), today)
    items = sorted((RxDue(rx, case, _due(rx, today, held[case.patient_id]))
                    for rx, case in fillable),
                   key=lambda item: (item.due_on, item.prescription.id))
    return DueScan(items, len(fillable), fillable.total)


@dataclass(frozen=True)
class RefillDue:
    """A fillable prescription's latest fill and the first day its next fill is not too soon."""

    prescription_id: int
    product: str
    last_filled: date
    due: date


def next_refills(case_ids: list[int]) -> dict[int, list[RefillDue]]:
    """Per case: each fillable prescription's latest fill and the day its next fill is due.

    One query for all the cases; the due date is dispensing's own rule (refill too soon).
    """
    if not case_ids:
        return {}
    latest = (sa.select(Dispense.prescription_id, sa.func.max(Dispense.fill_number).label("n"))
              .where(Dispense.case_id.in_(case_ids), Dispense.status == "dispensed")
              .group_by(Dispense.prescription_id).subquery("latest"))
    rows = db.session.execute(
        sa.select(Prescription.id, Prescription.case_id, Prescription.schedule,
                  Prescription.status, Prescription.expires_on, Product.name,
                  Dispense.dispensed_on, Dispense.days_supply)
        .join(latest, latest.c.prescription_id == Prescription.id)
        .join(Dispense, sa.and_(Dispense.prescription_id == Prescription.id,
                                Dispense.fill_number == latest.c.n))
        .join(Product, Product.id == Prescription.product_id)
        .where(Prescription.case_id.in_(case_ids), Prescription.status == "active")).all()
    today = clock.today()
    found: dict[int, list[RefillDue]] = defaultdict(list)
    for row in rows:
        # the row carries the fields the prescribing and dispensing rules read
        if effective_status(row, today) == "active":  # type: ignore[arg-type]
            found[row.case_id].append(RefillDue(row.id, row.name, row.dispensed_on,
                                                refill_due_on(row, row)))  # type: ignore[arg-type]
    return found


@dataclass(frozen=True)
class FillLine:
    """One fill on the case's timeline."""

    id: int
    dispensed_on: date
    fill_number: int
    product: str
    quantity: Any
    unit: str
    days_supply: int
    source: str
    prescriber: str
    pharmacist: str
    charge: int
    status: str


def fill_timeline(case_id: int) -> list[FillLine]:
    """Every fill of the case, oldest first, reversed fills included."""
    rows = db.session.execute(
        sa.select(Dispense, Product.name, Product.unit, Prescriber.first_name,
                  Prescriber.last_name, User.name)
        .join(Prescription, Prescription.id == Dispense.prescription_id)
        .join(Product, Product.id == Prescription.product_id)
        .join(Prescriber, Prescriber.id == Prescription.prescriber_id)
        .join(User, User.id == Dispense.pharmacist_user_id)
        .where(Dispense.case_id == case_id)
        .order_by(Dispense.dispensed_on, Dispense.id)).all()
    return [FillLine(d.id, d.dispensed_on, d.fill_number, product,
                     plain_number(d.quantity), unit,
                     d.days_supply, f"NDC {d.ndc}" if d.ndc else f"Lot {d.lot_number}",
                     f"{first} {last}", pharmacist, d.charge_cents, d.status)
            for d, product, unit, first, last, pharmacist in rows]


# The firm's case list. What the firm sees: closed with or without a recovery are both "Closed".
PAGE_SIZE = 25
STATUS_LABELS = {case_rules.INTAKE: "Intake", case_rules.ACTIVE: "Active",
                 case_rules.ON_HOLD: "On hold", case_rules.SETTLED: "Settled",
                 case_rules.CLOSED: "Closed", case_rules.CLOSED_NO_RECOVERY: "Closed"}
STATUS_FILTERS: dict[str, tuple[str, ...]] = {
    "intake": (case_rules.INTAKE,), "active": (case_rules.ACTIVE,),
    "on_hold": (case_rules.ON_HOLD,), "settled": (case_rules.SETTLED,),
    "closed": case_rules.CLOSED_STATUSES}
SORTS = {"last_fill_desc": "Last fill, newest first", "last_fill_asc": "Last fill, oldest first",
         "balance_desc": "Balance, highest first", "balance_asc": "Balance, lowest first"}


@dataclass(frozen=True)
class ListFilters:
    """What the firm asked the list for: search text, status, sort and page."""

    q: str = ""
    status: str = ""
    sort: str = "last_fill_desc"
    page: int = 1


@dataclass(frozen=True)
class CaseRow:
    """One line of the case list."""

    id: int
    client_name: str
    firm_file_number: str | None
    status: str
    balance: int
    last_fill: date | None
    next_refill_due: date | None
    quiet_days: int | None  # set when the lien has gone quiet
    disclosed: bool = True  # False: no HIPAA authorization; only file number and status shown

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


@dataclass(frozen=True)
class CaseList:
    """A page of the case list and where it sits in the whole."""

    rows: list[CaseRow]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def _balances(firm_id: int) -> Any:
    return (sa.select(LedgerAccount.case_id.label("case_id"),
                      sa.func.sum(Posting.amount_cents).label("balance"))
            .join(Posting, Posting.account_id == LedgerAccount.id)
            .join(Case, Case.id == LedgerAccount.case_id)
            .where(LedgerAccount.kind == "lien_receivable", Case.law_firm_id == firm_id)
            .group_by(LedgerAccount.case_id).subquery("balances"))


def _last_fills(firm_id: int) -> Any:
    return (sa.select(Dispense.case_id.label("case_id"),
                      sa.func.max(Dispense.dispensed_on).label("last_fill"))
            .join(Case, Case.id == Dispense.case_id)
            .where(Dispense.status == "dispensed", Case.law_firm_id == firm_id)
            .group_by(Dispense.case_id).subquery("last_fills"))


def _name_matches(firm_id: int, text: str) -> list[int]:
    """Cases whose client name contains ``text``: names are encrypted, so match after reading;
    a case without a HIPAA authorization naming the firm is never found by its client's name."""
    needle = " ".join(text.casefold().split())
    rows = db.session.execute(
        sa.select(Case.id, Patient.first_name, Patient.last_name)
        .join(Patient, Patient.id == Case.patient_id).where(Case.law_firm_id == firm_id))
    found = [case_id for case_id, first, last in rows
             if needle in f"{first} {last}".casefold() or needle in f"{last}, {first}".casefold()]
    return sorted(authorized_case_ids(found, firm_id, clock.today()))


def _filtered(firm_id: int, filters: ListFilters) -> sa.Select[Any]:
    query = sa.select(Case.id).where(Case.law_firm_id == firm_id)
    if filters.status in STATUS_FILTERS:
        query = query.where(Case.status.in_(STATUS_FILTERS[filters.status]))
    text = filters.q.strip()
    if text:
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(sa.or_(Case.firm_file_number.ilike(pattern, escape="\\"),
                                   Case.id.in_(_name_matches(firm_id, text))))
    return query


def _order(sort: str, balance: Any, last_fill: Any) -> list[Any]:
    """Order by the chosen column, cases without a value last, then newest case first."""
    column, direction = {"balance_desc": (balance, "desc"), "balance_asc": (balance, "asc"),
                         "last_fill_asc": (last_fill, "asc")}.get(sort, (last_fill, "desc"))
    ordered = column.desc() if direction == "desc" else column.asc()
    return [ordered.nulls_last(), Case.id.desc()]


def _page_query(firm_id: int, filters: ListFilters, ids: Any, page_size: int) -> Any:
    fills = _last_fills(firm_id)
    columns = [Case.id, Case.patient_id, Case.firm_file_number, Case.status, Case.created_at,
               fills.c.last_fill, Patient.first_name, Patient.last_name]
    query = (sa.select(*columns).join(ids, ids.c.id == Case.id)
             .join(Patient, Patient.id == Case.patient_id)
             .outerjoin(fills, fills.c.case_id == Case.id))
    balance: Any = sa.null()
    if filters.sort.startswith("balance"):  # sorting by balance needs every case's balance
        balances = _balances(firm_id)
        balance = sa.func.coalesce(balances.c.balance, 0)
        query = query.add_columns(balance.label("balance")).outerjoin(
            balances, balances.c.case_id == Case.id)
    return (query.order_by(*_order(filters.sort, balance, fills.c.last_fill))
            .limit(page_size).offset((max(1, filters.page) - 1) * page_size))


def firm_case_list(actor: Actor, filters: ListFilters, *, page_size: int = PAGE_SIZE,
                   quiet_after: int = 45) -> CaseList:
    """One page of the actor's firm's cases with balance, last fill, next refill due and quiet
    flag; audited (the list names the clients), without the names or the search text.

    Sorted by balance, the balances come aggregated in the page query; otherwise the page is
    chosen first and its balances summed in one query (``ledger.queries.case_balances``).
    """
    firm_id = actor.law_firm_id
    if firm_id is None:
        raise NotFound("No law firm is linked to this account.")
    ids = _filtered(firm_id, filters).subquery("wanted")
    total = db.session.execute(sa.select(sa.func.count()).select_from(ids)).scalar_one()
    rows = db.session.execute(_page_query(firm_id, filters, ids, page_size)).all()
    balances = ({r.id: int(r.balance) for r in rows} if filters.sort.startswith("balance")
                else case_balances(r.id for r in rows))
    due = next_refills([r.id for r in rows])
    today = clock.today()
    shown = disclosures.disclose_listed(actor, rows)
    listing = CaseList([CaseRow(
        r.id, f"{r.first_name} {r.last_name}", r.firm_file_number, r.status, balances[r.id],
        r.last_fill, min((d.due for d in due.get(r.id, [])), default=None),
        case_rules.quiet_days(r.status, r.last_fill, clock.local_date(r.created_at), today,
                              quiet_after))
        if r.id in shown else CaseRow(r.id, "", r.firm_file_number, r.status, 0, None, None,
                                      None, disclosed=False)
        for r in rows], total, max(1, filters.page), page_size)
    audit.record(actor, "portal.cases_listed", "law_firm", firm_id,
                 {"count": len(listing.rows), "page": listing.page,
                  "searched": bool(filters.q.strip())})
    return listing


def booked_charges() -> Iterator[Booked]:
    """Each dispense's frozen charge, and each reversal, beside the entry that booked it
    (for ``lienrx ledger verify``)."""
    rows = db.session.execute(
        sa.select(Dispense.id, Dispense.case_id, Dispense.charge_cents, Dispense.charge_entry_id,
                  Dispense.reversal_entry_id).order_by(Dispense.id))
    for dispense_id, case_id, cents, charge_entry_id, reversal_entry_id in rows:
        yield Booked(f"dispense {dispense_id}", charge_entry_id, "charge", case_id, cents)
        if reversal_entry_id is not None:
            yield Booked(f"reversal of dispense {dispense_id}", reversal_entry_id, "reversal",
                         case_id, -cents, reverses_entry_id=charge_entry_id)
