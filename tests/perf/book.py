"""A whole pharmacy's book in the database, made fast (``bench/scale.py`` and the query-plan
test), with the rows the services would leave.

At size 1: 1,000 cases over 10 firms of 100, in the usual mix of statuses; every case but
those in intake has three prescriptions (lidocaine patches, alendronate, duloxetine: no
controlled drug, no DUR alert between them) filled monthly, 4, 5 and 4 times (about 12,000
fills), each fill with its charge entry on the case's receivable; settled and closed cases
have their settlement, and closed ones a reduction and the payment of the rest; about 200
audit events per case, chained. Size ``s`` multiplies the cases, firms and everything with
them.

Users, the prescriber and the formulary go through the services. The rest is inserted in
bulk: with COPY on PostgreSQL, every value first passed through its column type's bind
processing, so PHI is encrypted as the app encrypts it (patients, labels, documents); the
blind indexes are the app's; each entry's postings sum to zero; the audit chain is hashed
with the app's own digest, so ``lienrx audit verify`` and ``lienrx ledger verify`` pass.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from time import perf_counter as time_now
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa

from lienrx.audit import services as audit_services
from lienrx.audit.models import AuditChainHead, AuditEvent
from lienrx.auth import services as auth
from lienrx.case_documents import rules as document_rules
from lienrx.case_documents.models import CaseDocument, CaseDocumentContent
from lienrx.cases.models import Case, CaseDiagnosis, LienAgreement
from lienrx.core import clock
from lienrx.dispensing.labels import build_label
from lienrx.dispensing.models import Dispense
from lienrx.dispensing.services import charge_memo
from lienrx.extensions import db
from lienrx.formulary.services import product_by_code
from lienrx.ledger import services as ledger
from lienrx.ledger.models import JournalEntry, LedgerAccount, Posting
from lienrx.parties import services as parties
from lienrx.parties.models import LawFirm, Patient
from lienrx.prescribing import rules as rx_rules
from lienrx.prescribing.models import Prescription, PrescriptionFill
from lienrx.settlement.models import Payment, Reduction, Settlement
from tests.formulary.factories import load_products

PASSWORD = "bench-password-123"  # noqa: S105 - throwaway accounts in a throwaway database
FIRM_SIZE = 100
STATUSES = ["active"] * 6 + ["on_hold", "settled", "intake", "closed"]
# (product, quantity, days supply, sig, fills, unit price in cents)
REGIMEN = (("LIDO-PAT-5", 30, 30, "Apply 1 patch to the neck once daily, 12 hours on", 4, 450),
           ("ALEN-TAB-70", 4, 28, "Take 1 tablet by mouth once weekly", 5, 300),
           ("DULO-CAP-30", 30, 30, "Take 1 capsule by mouth once daily", 4, 150))
FEE = 750
BOOKS = (ledger.REVENUE, ledger.CONTRA, ledger.WRITE_OFFS, ledger.CASH, ledger.REFUNDS)
AUDIT_PER_CASE = 200
FIRST_NAMES = ("Ana", "Ben", "Cy", "Dee", "Eli", "Fay", "Gus", "Hal")
PDF = b"%PDF-1.4\n% HIPAA authorization, scanned\n%%EOF\n"


@dataclass
class Users:
    """The accounts a benchmark signs in as (password :data:`PASSWORD`)."""

    pharmacist: Any
    technician: Any
    billing: Any
    attorney: Any


@dataclass
class Book:
    """What was built: the accounts, the measured firm and how many rows of each kind."""

    users: Users
    firm_id: int
    counts: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


def copy_rows(table: sa.Table, rows: Iterable[dict[str, Any]]) -> int:
    """Write rows into ``table`` with COPY (PostgreSQL), each value through its column type's
    bind processing as an INSERT would; a column the rows leave out takes its scalar default,
    or the database's (an id from its sequence). Returns how many rows were written."""
    found = iter(rows)
    first = next(found, None)
    if first is None:
        return 0
    connection = db.session.connection()
    dialect = connection.dialect
    columns = [c for c in table.columns if c.name in first or _default(c) is not None]
    processors = [_processor(c.type, dialect) for c in columns]
    raw = connection.connection.driver_connection
    names = ", ".join(c.name for c in columns)
    count = 0
    with raw.cursor() as cursor, cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
        for row in itertools.chain([first], found):
            values = []
            for column, process in zip(columns, processors, strict=True):
                value = row.get(column.name, _default(column))
                values.append(process(value) if process and value is not None else value)
            copy.write_row(values)
            count += 1
    return count


def _processor(kind: sa.types.TypeEngine[Any], dialect: Any) -> Callable[[Any], Any] | None:
    """What an INSERT does to a value of this column type before it is sent: the type
    decorator's own step (encryption), then the base type's; JSON as text for COPY."""
    if isinstance(kind, sa.types.TypeDecorator):
        own, then = kind.process_bind_param, _processor(kind.impl_instance, dialect)

        def decorated(value: Any) -> Any:
            out = own(value, dialect)
            return out if then is None or out is None else then(out)

        return decorated
    if isinstance(kind, sa.JSON):
        return json.dumps
    return kind.bind_processor(dialect)


def _default(column: sa.Column[Any]) -> Any:
    default = column.default
    if default is None or not getattr(default, "is_scalar", False):
        return None
    return default.arg


def build(scale: float, *, audit_per_case: int = AUDIT_PER_CASE,
          firm_size: int = FIRM_SIZE) -> Book:
    """Build the book at ``scale`` (1: 1,000 cases, firms of ``firm_size``) and commit it."""
    cases = max(1, round(1000 * scale))
    users, prescriber, products = _parties()
    db.session.commit()
    book = Book(users, firm_id=users.attorney.law_firm_id)
    plan = _Plan(cases, clock.utcnow(), products, prescriber, users, firm_size)
    db.session.execute(sa.text("SET LOCAL session_replication_role = replica"))
    counts = book.counts
    started = time_now()
    counts["law_firms"] = copy_rows(LawFirm.__table__, plan.firms())
    counts["patients"] = copy_rows(Patient.__table__, plan.patients())
    counts["cases"] = copy_rows(Case.__table__, plan.cases())
    copy_rows(CaseDiagnosis.__table__, plan.diagnoses())
    copy_rows(LienAgreement.__table__, plan.agreements())
    counts["case_documents"] = copy_rows(CaseDocument.__table__, plan.documents())
    copy_rows(CaseDocumentContent.__table__, plan.contents())
    counts["prescriptions"] = copy_rows(Prescription.__table__, plan.prescriptions())
    copy_rows(PrescriptionFill.__table__, plan.fills())
    copy_rows(LedgerAccount.__table__, plan.accounts())
    counts["journal_entries"] = copy_rows(JournalEntry.__table__, plan.entries())
    counts["postings"] = copy_rows(Posting.__table__, plan.postings())
    counts["dispenses"] = copy_rows(Dispense.__table__, plan.dispenses())
    copy_rows(Settlement.__table__, plan.settlements())
    copy_rows(Reduction.__table__, plan.reductions())
    copy_rows(Payment.__table__, plan.payments())
    book.seconds["rows"] = time_now() - started
    started = time_now()
    counts["audit_events"] = _chain(plan, cases * audit_per_case)
    book.seconds["audit chain"] = time_now() - started
    for table in ("law_firms", "patients", "cases", "case_diagnoses", "lien_agreements",
                  "case_documents", "prescriptions", "prescription_fills", "ledger_accounts",
                  "journal_entries", "postings", "dispenses", "settlements", "reductions",
                  "payments", "audit_events"):
        highest = f"(SELECT max(id) FROM {table})"  # noqa: S608 - the table names above
        db.session.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                   f"{highest})"))
    db.session.commit()
    return book


def _parties() -> tuple[Users, Any, list[Any]]:
    """The accounts, the prescriber and the regimen's products, through the services."""
    firm = parties.create_law_firm(None, name="Firm 1 LLP")
    users = Users(
        pharmacist=auth.create_user(None, email="rph@bench.test", name="Bench RPh",
                                    role="pharmacist", password=PASSWORD,
                                    license_number="TN-RPH-1"),
        technician=auth.create_user(None, email="tech@bench.test", name="Bench Tech",
                                    role="technician", password=PASSWORD),
        billing=auth.create_user(None, email="billing@bench.test", name="Bench Billing",
                                 role="billing", password=PASSWORD),
        attorney=auth.create_user(None, email="counsel@bench.test", name="Bench Counsel",
                                  role="attorney", password=PASSWORD, law_firm_id=firm.id))
    prescriber = parties.create_prescriber(None, first_name="Morgan", last_name="Pain",
                                           npi="1234567893", dea_number="AP5836727")
    load_products(*(code for code, *_ in REGIMEN))
    products = [product_by_code(code) for code, *_ in REGIMEN]
    return users, prescriber, products


class _Plan:
    """The rows of the book, made in one deterministic pass (ids given here)."""

    def __init__(self, cases: int, now: datetime, products: list[Any], prescriber: Any,
                 users: Users, firm_size: int) -> None:
        self.n, self.now, self.today = cases, now, clock.today()
        self.firm_count = max(1, cases // firm_size)
        self.products, self.prescriber, self.users = products, prescriber, users
        # load now: a lazy load while a COPY holds the connection would wait for ever
        for loaded in (*products, prescriber, *vars(users).values()):
            db.session.refresh(loaded)
        self.ndcs = [p.ndcs[0].ndc for p in products]
        self.prescriber_name = prescriber.display_name
        tn = rx_rules.state_rule("TN")
        self.schedules = [rx_rules.effective_schedule(p.dea_schedule, list(p.dur_classes or []),
                                                      tn) for p in products]
        self.rx: list[dict[str, Any]] = []
        self.dispense_rows: list[dict[str, Any]] = []
        self.entry_rows: list[dict[str, Any]] = []
        self.posting_rows: list[dict[str, Any]] = []
        self.settlement_rows: list[dict[str, Any]] = []
        self.reduction_rows: list[dict[str, Any]] = []
        self.payment_rows: list[dict[str, Any]] = []
        self._ledger()

    # -- who and when
    def status(self, i: int) -> str:
        return STATUSES[i % len(STATUSES)]

    def firm(self, i: int) -> int:
        return self.users.attorney.law_firm_id + i % self.firm_count

    def last_fill(self, i: int) -> date:
        """The case's latest fill: recent for open cases, long ago for settled ones."""
        if self.status(i) in ("active", "on_hold"):
            return self.today - timedelta(days=i % 40)
        return self.today - timedelta(days=60 + (i * 37) % 900)

    def opened(self, i: int) -> date:
        return self.last_fill(i) - timedelta(days=134)

    def at(self, day: date, hour: int = 15) -> datetime:
        return datetime.combine(day, time(hour), tzinfo=UTC)

    # -- parties and cases
    def firms(self) -> Iterator[dict[str, Any]]:
        first = self.users.attorney.law_firm_id  # the first came through the services
        for f in range(first + 1, first + self.firm_count):
            yield {"id": f, "name": f"Firm {f} LLP", "created_at": self.now}

    def patients(self) -> Iterator[dict[str, Any]]:
        for i in range(1, self.n + 1):
            last, born = f"Rivera{i}", date(1960, 1, 1) + timedelta(days=i % 15000)
            yield {"id": i, "first_name": FIRST_NAMES[i % len(FIRST_NAMES)], "last_name": last,
                   "date_of_birth": born.isoformat(), "sex": ("female", "male")[i % 2],
                   "address": f"{i} Oak St, Nashville, TN 37203",
                   "lookup_index": parties.patient_lookup_index(last, born),
                   "duplicate_index": parties.patient_duplicate_index(last, born),
                   "created_at": self.at(self.opened(i))}

    def cases(self) -> Iterator[dict[str, Any]]:
        for i in range(1, self.n + 1):
            opened = self.opened(i)
            yield {"id": i, "patient_id": i, "law_firm_id": self.firm(i),
                   "firm_file_number": f"F-{i:06d}", "date_of_injury": opened - timedelta(20),
                   "injury_mechanism": "motor_vehicle", "jurisdiction": "TN",
                   "status": self.status(i), "created_at": self.at(opened),
                   "updated_at": self.at(self.last_fill(i))}

    def diagnoses(self) -> Iterator[dict[str, Any]]:
        for i in range(1, self.n + 1):
            yield {"id": i, "case_id": i, "position": 0, "icd10": "S13.4XXA",
                   "source": "Emergency department record"}

    def _signed(self) -> Iterator[int]:
        return (i for i in range(1, self.n + 1) if self.status(i) != "intake")

    def agreements(self) -> Iterator[dict[str, Any]]:
        for n, i in enumerate(self._signed(), 1):
            yield {"id": n, "case_id": i, "law_firm_id": self.firm(i),
                   "signed_on": self.opened(i), "patient_signed": True, "status": "active",
                   "non_recourse": True, "created_at": self.at(self.opened(i))}

    def documents(self) -> Iterator[dict[str, Any]]:
        digest = hashlib.sha256(PDF).hexdigest()
        for n, i in enumerate(self._signed(), 1):
            yield {"id": n, "case_id": i, "kind": document_rules.HIPAA_AUTHORIZATION,
                   "law_firm_id": self.firm(i), "sha256": digest, "size": len(PDF),
                   "content_type": "application/pdf",
                   "uploaded_by_user_id": self.users.billing.id,
                   "uploaded_at": self.at(self.opened(i), 14)}

    def contents(self) -> Iterator[dict[str, Any]]:
        for n, _ in enumerate(self._signed(), 1):
            yield {"document_id": n, "content": PDF}

    # -- prescriptions, fills and the money
    def _ledger(self) -> None:
        """Plan prescriptions, dispenses, entries and settlements together (ids cross-refer)."""
        receivable = {i: len(BOOKS) + n for n, i in enumerate(self._signed(), 1)}
        self.receivables = receivable
        entry_id = dispense_id = 0
        for i in self._signed():
            last = self.last_fill(i)
            start = last - timedelta(days=120)
            balance = 0
            for k, (_, quantity, _, _, fills, price) in enumerate(REGIMEN):
                rx_id = len(self.rx) + 1
                self.rx.append({"id": rx_id, "case_id": i, "k": k, "start": start,
                                "fills": fills})
                for f in range(fills):
                    on = start + timedelta(days=30 * f)
                    dispense_id += 1
                    entry_id += 1
                    charge = price * quantity + FEE
                    balance += charge
                    self.dispense_rows.append({
                        "id": dispense_id, "rx": rx_id, "case_id": i, "k": k, "f": f,
                        "on": on, "entry_id": entry_id, "charge": charge})
                    self._entry(entry_id, "charge", i, on, None,
                                [(receivable[i], charge), (1, -charge)],
                                source=("dispense", dispense_id))
            if self.status(i) in ("settled", "closed"):
                settled_on = last + timedelta(days=20)
                self.settlement_rows.append({
                    "id": len(self.settlement_rows) + 1, "case_id": i, "settled_on": settled_on,
                    "gross_cents": 5_000_000, "attorney_fees_cents": 1_666_667,
                    "costs_cents": 50_000, "recorded_by_user_id": self.users.billing.id,
                    "created_at": self.at(settled_on)})
            if self.status(i) == "closed":
                reduced = balance // 3
                entry_id += 1
                self._entry(entry_id, "reduction", i, settled_on,
                            "Reduction (percent): agreed with counsel",
                            [(receivable[i], -reduced), (2, reduced)])
                self.reduction_rows.append({
                    "id": len(self.reduction_rows) + 1, "case_id": i, "entry_id": entry_id,
                    "method": "percent", "value": "33.33", "amount_cents": reduced,
                    "reason": "agreed with counsel", "created_at": self.at(settled_on)})
                paid_on = settled_on + timedelta(days=15)
                entry_id += 1
                reference = f"CHK-{i}"
                self._entry(entry_id, "payment", i, paid_on,
                            f"Payment received, reference {reference}",
                            [(receivable[i], reduced - balance), (4, balance - reduced)])
                self.payment_rows.append({
                    "id": len(self.payment_rows) + 1, "case_id": i, "entry_id": entry_id,
                    "amount_cents": balance - reduced, "refund_owed_cents": 0,
                    "received_on": paid_on, "reference": reference,
                    "created_at": self.at(paid_on)})

    def _entry(self, entry_id: int, kind: str, case_id: int, on: date, memo: str | None,
               lines: list[tuple[int, int]], source: tuple[str, int] | None = None) -> None:
        assert sum(amount for _, amount in lines) == 0, "an entry's postings sum to zero"
        self.entry_rows.append({"id": entry_id, "kind": kind, "case_id": case_id,
                                "occurred_on": on, "memo": memo, "source": source})
        for account, amount in lines:
            self.posting_rows.append({"id": len(self.posting_rows) + 1, "entry_id": entry_id,
                                      "account_id": account, "amount_cents": amount})

    def _rx_view(self, rx: dict[str, Any], dispensed: int) -> SimpleNamespace:
        """What the label and the memo read of a prescription."""
        k = rx["k"]
        return SimpleNamespace(id=rx["id"], product=self.products[k], sig=REGIMEN[k][3],
                               prescriber=SimpleNamespace(display_name=self.prescriber_name),
                               refills_remaining=11 - dispensed)

    def prescriptions(self) -> Iterator[dict[str, Any]]:
        for rx in self.rx:
            _, quantity, days, sig, fills, _ = REGIMEN[rx["k"]]
            written = rx["start"] - timedelta(days=1)
            moment = self.at(written)
            yield {"id": rx["id"], "case_id": rx["case_id"], "prescriber_id": self.prescriber.id,
                   "product_id": self.products[rx["k"]].id, "sig": sig,
                   "quantity": Decimal(quantity), "days_supply": days, "refills_authorized": 11,
                   "written_on": written, "expires_on": written + timedelta(days=365),
                   "schedule": self.schedules[rx["k"]], "diagnosis_codes": ["S13.4XXA"],
                   "indication": "Neck pain after whiplash injury", "source": "electronic",
                   "status": "active", "quantity_dispensed": Decimal(quantity * fills),
                   "fills_dispensed": fills, "quantity_forfeited": Decimal(0),
                   "entered_by_user_id": self.users.technician.id,
                   "created_at": moment, "updated_at": moment}

    def fills(self) -> Iterator[dict[str, Any]]:
        n = 0
        for rx in self.rx:
            quantity = REGIMEN[rx["k"]][1]
            for f in range(rx["fills"]):
                n += 1
                yield {"id": n, "prescription_id": rx["id"], "refill_number": f,
                       "quantity_dispensed": Decimal(quantity), "last_partial": 1}

    def dispenses(self) -> Iterator[dict[str, Any]]:
        for d in self.dispense_rows:
            rx = self.rx[d["rx"] - 1]
            _, quantity, days, _, _, price = REGIMEN[d["k"]]
            f = d["f"]
            ndc = self.ndcs[d["k"]]
            view = self._rx_view(rx, f + 1)
            label = build_label(prescription=view, fill_number=f + 1, dispensed_on=d["on"],
                                quantity=Decimal(quantity),
                                patient_name=f"{FIRST_NAMES[d['case_id'] % len(FIRST_NAMES)]} "
                                             f"Rivera{d['case_id']}",
                                pharmacist_name=self.users.pharmacist.name, batch=None,
                                ndc=ndc, lot_number=f"L{d['rx'] % 97:03d}",
                                initial_fill_on=rx["start"] if f else None)
            yield {"id": d["id"], "prescription_id": d["rx"], "case_id": d["case_id"],
                   "fill_number": f + 1, "refill_number": f, "partial_sequence": 1,
                   "fill_parts": [{"refill_number": f, "quantity": str(quantity),
                                   "partial_sequence": 1}],
                   "starts_fill": True, "quantity": Decimal(quantity), "days_supply": days,
                   "dispensed_on": d["on"], "ndc": ndc, "lot_number": f"L{d['rx'] % 97:03d}",
                   "delivery_method": "pickup", "pharmacist_user_id": self.users.pharmacist.id,
                   "unit_price_cents": price, "dispensing_fee_cents": FEE,
                   "compounding_fee_cents": 0, "charge_cents": d["charge"],
                   "patient_paid_cents": 0, "medguide_provided": False, "dur_review": [],
                   "label": label, "charge_entry_id": d["entry_id"], "status": "dispensed",
                   "created_at": self.at(d["on"])}

    def accounts(self) -> Iterator[dict[str, Any]]:
        for n, code in enumerate(BOOKS, 1):
            yield {"id": n, "code": code, "kind": ledger._BOOK_KINDS[code], "case_id": None}
        for case_id, account in self.receivables.items():
            yield {"id": account, "code": f"lien_receivable:{case_id}",
                   "kind": "lien_receivable", "case_id": case_id}

    def entries(self) -> Iterator[dict[str, Any]]:
        memos: dict[int, str] = {}
        for d in self.dispense_rows:
            rx = self.rx[d["rx"] - 1]
            memos[d["entry_id"]] = charge_memo(d["f"] + 1, self._rx_view(rx, d["f"] + 1),
                                               d["on"], None)
        for e in self.entry_rows:
            source = e["source"]
            yield {"id": e["id"], "kind": e["kind"], "case_id": e["case_id"],
                   "occurred_on": e["occurred_on"], "posted_at": self.at(e["occurred_on"], 16),
                   "memo": e["memo"] or memos[e["id"]],
                   "source_type": source[0] if source else None,
                   "source_id": source[1] if source else None,
                   "actor_user_id": (self.users.pharmacist.id if e["kind"] == "charge"
                                     else self.users.billing.id)}

    def postings(self) -> Iterator[dict[str, Any]]:
        return iter(self.posting_rows)

    def settlements(self) -> Iterator[dict[str, Any]]:
        return iter(self.settlement_rows)

    def reductions(self) -> Iterator[dict[str, Any]]:
        return iter(self.reduction_rows)

    def payments(self) -> Iterator[dict[str, Any]]:
        return iter(self.payment_rows)


SORTS = ("last_fill_desc", "balance_desc", "last_fill_asc", "balance_asc")


def hot_pages(case_ids: list[int]) -> dict[str, tuple[str, list[str]]]:
    """The pages ``bench/scale.py`` times and the query-plan test explains: who asks for
    them (the book's attorney, pharmacist, or billing with a bearer token) and the URLs."""
    return {
        "portal case list": ("attorney", [f"/portal/?page={1 + n % 4}&sort={sort}"
                                          for n, sort in enumerate(SORTS)]),
        "portal case page": ("attorney", [f"/portal/cases/{c}" for c in case_ids]),
        "staff case page": ("pharmacist", [f"/staff/cases/{c}" for c in case_ids]),
        "work queue": ("pharmacist", ["/staff/"]),
        "ledger page": ("billing", [f"/api/v1/cases/{c}/ledger" for c in case_ids]),
    }


AUDITED = (("case.read", "case"), ("portal.case_viewed", "case"),
           ("dispense.created", "dispense"), ("work_queue.read", "work_queue"),
           ("portal.cases_listed", "law_firm"), ("prescription.read", "prescription"))


def _chain(plan: _Plan, count: int) -> int:
    """``count`` audit events over the book's three years, chained with the app's digest
    (in order, a batch at a time), and the chain head; returns ``count``."""
    head = db.session.get(AuditChainHead, 1)
    seq, prev = (head.seq, head.hash) if head else (0, audit_services.GENESIS)
    first = plan.now - timedelta(days=1100)
    step = timedelta(days=1095) / max(1, count)
    users = plan.users
    actors = ((users.pharmacist.id, f"pharmacist:{users.pharmacist.email}"),
              (users.attorney.id, f"attorney:{users.attorney.email}"),
              (users.billing.id, f"billing:{users.billing.email}"))
    last_id = db.session.execute(sa.select(sa.func.coalesce(sa.func.max(AuditEvent.id), 0)))
    start_id = int(last_id.scalar_one())
    start_seq = seq

    def events() -> Iterator[dict[str, Any]]:
        nonlocal seq, prev
        for n in range(count):
            action, entity = AUDITED[n % len(AUDITED)]
            actor_id, label = actors[n % len(actors)]
            case_id = 1 + (n * 7) % plan.n
            entity_id = {"case": case_id, "law_firm": plan.firm(case_id),
                         "work_queue": None}.get(entity, 1 + n % max(1, len(plan.rx)))
            seq += 1
            event = SimpleNamespace(
                seq=seq, occurred_at=(first + step * n).replace(tzinfo=UTC),
                actor_user_id=actor_id, actor_label=label, action=action,
                entity_type=entity, entity_id=None if entity_id is None else str(entity_id),
                request_id=f"{n:032x}", details={"case_id": case_id, "page": 1 + n % 4},
                prev_hash=prev)
            event.hash = audit_services._digest(event)  # type: ignore[arg-type]
            prev = event.hash
            yield {"id": start_id + n + 1, **vars(event)}

    written = copy_rows(AuditEvent.__table__, events())
    if head is None:
        db.session.add(AuditChainHead(id=1, seq=seq, hash=prev))
    else:
        head.seq, head.hash = seq, prev
    db.session.flush()
    assert seq - start_seq == written
    return written
