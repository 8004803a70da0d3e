"""Benchmark the attorney portal's case list: a firm with 1,000 cases and 100,000 postings.

    .venv/bin/python bench/portal.py [--pg-admin-url postgresql://postgres@127.0.0.1:5432/postgres]

Creates a throwaway PostgreSQL database (like tests/conftest.py), migrates it, and bulk-seeds
one measured firm with 1,000 cases (patients' names encrypted as the app does), one
prescription and ten fills per case, and 50,000 ledger entries (100,000 postings) on their
receivables, plus a second firm of 200 cases whose rows the list must skip. Then:

- ``portal``: ``GET /portal/`` through the Flask test client, signed in as the firm's attorney
  through the real sign-in form, cycling through the 40 pages and the four sorts (every request
  also writes its audit event); the figure is the server time per page;
- ``raw SQL``: the aggregate behind the list's balances, run with psycopg on the same database:
  ``SELECT case_id, sum(amount_cents) … GROUP BY case_id`` for the firm.

Prints p50/p95 of each; the last line is ``portal_list_vs_raw_sql ratio=R p95_ms=P`` where
R is the portal's p95 over the raw aggregate's p95 and P the portal's p95. Target: P < 150.
The database is dropped at the end.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import time
from datetime import UTC, date, datetime, timedelta

import psycopg
import sqlalchemy as sa
from common import (
    admin_url_default,
    insert,
    instance_path,
    keys,
    make_app,
    migrate,
    percentile,
    reset_sequences,
    settle,
    throwaway_database,
)

FIRM, OTHER_FIRM = 1, 2
PASSWORD = "bench-password-123"  # noqa: S105 - a throwaway account in a throwaway database
RAW_SQL = """
SELECT a.case_id, sum(p.amount_cents)
FROM ledger_accounts a
JOIN postings p ON p.account_id = a.id
JOIN cases c ON c.id = a.case_id
WHERE a.kind = 'lien_receivable' AND c.law_firm_id = %s
GROUP BY a.case_id
"""


def _parties() -> tuple[int, int, int]:
    """Firms, the attorney, a pharmacist, a prescriber and one product, through the services."""
    from lienrx.auth import services as auth
    from lienrx.parties import services as parties
    from lienrx.seeds.formulary import load_formulary, seed_data

    firm = parties.create_law_firm(None, name="Bench & Partners LLP")
    parties.create_law_firm(None, name="Someone Else LLP")
    auth.create_user(None, email="counsel@bench.test", name="Bench Counsel", role="attorney",
                     password=PASSWORD, law_firm_id=firm.id)
    pharmacist = auth.create_user(None, email="rph@bench.test", name="Bench RPh",
                                  role="pharmacist", password=PASSWORD,
                                  license_number="TN-RPH-1")
    doctor = parties.create_prescriber(None, first_name="Morgan", last_name="Pain",
                                       npi="1234567893", dea_number="AP5836727")
    data = seed_data()
    load_formulary({"products": [p for p in data["products"] if p["code"] == "GABA-CAP-300"],
                    "dur_rules": []})
    from lienrx.formulary.services import product_by_code

    product = product_by_code("GABA-CAP-300")
    assert product is not None
    return pharmacist.id, doctor.id, product.id


def seed(cases: int, other_cases: int, entries: int, fills_per_case: int) -> None:
    """Bulk-insert the book: cases, patients, prescriptions, fills and ledger postings."""
    from lienrx.cases.models import Case
    from lienrx.dispensing.models import Dispense
    from lienrx.extensions import db
    from lienrx.ledger.models import JournalEntry, LedgerAccount, Posting
    from lienrx.parties.models import Patient
    from lienrx.prescribing.models import Prescription

    pharmacist_id, prescriber_id, product_id = _parties()
    db.session.commit()
    rng = random.Random(7)
    now = datetime.now(UTC)
    today = now.date()
    total = cases + other_cases
    firm_of = {i: FIRM if i <= cases else OTHER_FIRM for i in range(1, total + 1)}
    db.session.execute(sa.text("SET LOCAL session_replication_role = replica"))
    insert(Patient.__table__, [
        {"id": i, "first_name": rng.choice(["Ana", "Ben", "Cy", "Dee", "Eli"]),
         "last_name": f"Rivera{i}", "date_of_birth": "1985-03-14", "phone": None, "email": None,
         "address": None, "lookup_index": f"{i:064d}", "duplicate_index": f"{i:064d}",
         "created_at": now}
        for i in range(1, total + 1)])
    statuses = ["active"] * 6 + ["on_hold", "settled", "intake", "closed"]
    insert(Case.__table__, [
        {"id": i, "patient_id": i, "law_firm_id": firm_of[i], "firm_file_number": f"F-{i:05d}",
         "date_of_injury": date(2025, 1, 1), "injury_mechanism": "motor_vehicle",
         "jurisdiction": "TN", "status": statuses[i % len(statuses)],
         "created_at": now - timedelta(days=400), "updated_at": now}
        for i in range(1, total + 1)])
    insert(Prescription.__table__, [
        {"id": i, "case_id": i, "prescriber_id": prescriber_id, "product_id": product_id,
         "sig": "1 capsule three times daily", "quantity": 90, "days_supply": 30,
         "refills_authorized": fills_per_case, "written_on": today - timedelta(days=330),
         "expires_on": today + timedelta(days=35), "schedule": "V",
         "diagnosis_codes": ["G90.511"], "source": "electronic", "status": "active",
         "quantity_dispensed": 90 * fills_per_case, "fills_dispensed": fills_per_case,
         "created_at": now, "updated_at": now} for i in range(1, total + 1)])
    dispenses = []
    for i in range(1, total + 1):
        last = today - timedelta(days=rng.randint(0, 120))  # some liens have gone quiet
        for n in range(fills_per_case):
            dispenses.append({
                "prescription_id": i, "case_id": i, "fill_number": n + 1, "refill_number": n,
                "partial_sequence": 1, "starts_fill": True,
                "fill_parts": [{"refill_number": n, "quantity": "90", "partial_sequence": 1}],
                "quantity": 90,
                "days_supply": 30, "dispensed_on": last - timedelta(days=30 * (fills_per_case
                                                                               - 1 - n)),
                "ndc": "00071080524", "lot_number": "GB1", "pharmacist_user_id": pharmacist_id,
                "unit_price_cents": 50, "dispensing_fee_cents": 750, "compounding_fee_cents": 0,
                "charge_cents": 5_250, "patient_paid_cents": 0, "dur_review": [], "label": {},
                "status": "dispensed", "created_at": now})
    insert(Dispense.__table__, dispenses)
    insert(LedgerAccount.__table__, [{"id": 1, "code": "revenue:dispensing", "kind": "revenue",
                                       "case_id": None}])
    insert(LedgerAccount.__table__, [{"id": 1 + i, "code": f"lien_receivable:{i}",
                                       "kind": "lien_receivable", "case_id": i}
                                      for i in range(1, total + 1)])
    journal, postings = [], []
    for n in range(1, entries + 1):
        case_id = 1 + (n - 1) % cases  # the measured firm's receivables carry the postings
        cents = rng.randint(1_500, 95_000)
        journal.append({"id": n, "kind": "charge", "case_id": case_id,
                        "occurred_on": today - timedelta(days=n % 330), "posted_at": now,
                        "memo": "Gabapentin 300 mg #90", "source_type": "dispense",
                        "source_id": n})
        postings += [{"entry_id": n, "account_id": 1 + case_id, "amount_cents": cents},
                     {"entry_id": n, "account_id": 1, "amount_cents": -cents}]
    insert(JournalEntry.__table__, journal)
    insert(Posting.__table__, postings)
    reset_sequences("patients", "cases", "prescriptions", "dispenses", "ledger_accounts",
                    "journal_entries", "postings")
    db.session.commit()
    settle()


def signed_in_client(app):
    """A test client signed in as the firm's attorney through the sign-in form."""
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"email": "counsel@bench.test", "password": PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 302, response.status_code
    return client


def time_portal(app, requests: int, pages: int) -> list[float]:
    """Server time of ``GET /portal/`` in ms, cycling through pages and sorts."""
    client = signed_in_client(app)
    sorts = ["last_fill_desc", "balance_desc", "last_fill_asc", "balance_asc"]
    for page in range(1, 6):  # warm-up: caches, the connection pool, Jinja's compiled templates
        assert client.get(f"/portal/?page={page}").status_code == 200
    samples = []
    for n in range(requests):
        url = f"/portal/?page={1 + n % pages}&sort={sorts[n % len(sorts)]}"
        start = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200 and b"Page " in response.data, url
    return samples


def time_raw_sql(url: str, runs: int) -> list[float]:
    """Time of the plain balance aggregate for the firm, in ms (psycopg, no ORM)."""
    samples = []
    with psycopg.connect(url) as conn:
        for _ in range(5):
            conn.execute(RAW_SQL, (FIRM,)).fetchall()
        for _ in range(runs):
            start = time.perf_counter()
            rows = conn.execute(RAW_SQL, (FIRM,)).fetchall()
            samples.append((time.perf_counter() - start) * 1000)
        assert len(rows) > 0
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg-admin-url", default=admin_url_default())
    parser.add_argument("--cases", type=int, default=1_000)
    parser.add_argument("--postings", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()

    from lienrx.extensions import db

    with instance_path(), throwaway_database(args.pg_admin_url) as url:
        app = make_app(url, keys())
        with app.app_context():
            migrate(app)
            start = time.perf_counter()
            seed(args.cases, args.cases // 5, args.postings // 2, 10)
            print(f"seeded {args.cases} cases of the firm (+{args.cases // 5} of another), "
                  f"{args.postings} postings, {args.cases * 12 // 10 * 10} fills in "
                  f"{time.perf_counter() - start:.1f}s")
            db.session.remove()
        raw = time_raw_sql(url, args.requests)
        pages = -(-args.cases // 25)
        portal = time_portal(app, args.requests, pages)
        with app.app_context():
            db.engine.dispose()
    raw_p50, raw_p95 = percentile(raw, 50), percentile(raw, 95)
    p50, p95 = percentile(portal, 50), percentile(portal, 95)
    print(f"raw SQL balance aggregate (baseline): p50 {raw_p50:.1f} ms, p95 {raw_p95:.1f} ms "
          f"over {len(raw)} runs")
    print(f"portal case list GET /portal/:       p50 {p50:.1f} ms, p95 {p95:.1f} ms over "
          f"{len(portal)} requests (25 rows a page, {pages} pages, 4 sorts; "
          f"mean {statistics.fmean(portal):.1f} ms)")
    print(f"portal_list_vs_raw_sql ratio={p95 / raw_p95:.2f} p95_ms={p95:.1f}")


if __name__ == "__main__":
    main()
