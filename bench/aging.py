"""Benchmark the A/R aging at 10× the benchmark book: 10,000 cases and 1,000,000 postings.

    .venv/bin/python bench/aging.py [--pg-admin-url postgresql://postgres@127.0.0.1:5432/postgres]

Seeds a throwaway PostgreSQL database (like tests/conftest.py) with 10 firms, 10,000 cases
in every status and 500,000 journal entries (1,000,000 postings) on their receivables over
three years: charges, with a payment, reduction or write-off every tenth entry. Then times:

- ``raw SQL``: the plain balance aggregate over every receivable (the baseline: what any
  balance report must at least read);
- ``aging``: ``GET /api/v1/reports/aging`` as billing, the first-unpaid-charge FIFO for every
  owing case (window sums over the debits) grouped by firm and bucket.

Prints p50/p95 of each; the last line is ``aging_vs_raw_sql ratio=R p95_ms=P``.
The database is dropped at the end.
"""

from __future__ import annotations

import argparse
import random
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

FIRMS = 10
STATUSES = ["active"] * 6 + ["on_hold", "settled", "intake", "closed"]
CREDITS = (("payment", "cash:settlements", "cash"), ("reduction", "contra:reductions", "contra"),
           ("write_off", "expense:write_offs", "expense"))

RAW_SQL = """
SELECT a.case_id, sum(p.amount_cents)
FROM ledger_accounts a JOIN postings p ON p.account_id = a.id
WHERE a.kind = 'lien_receivable'
GROUP BY a.case_id
"""


def seed(cases: int, entries: int) -> None:
    """Bulk-insert firms, patients, cases, accounts and the journal (receivable legs)."""
    from lienrx.cases.models import Case
    from lienrx.extensions import db
    from lienrx.ledger.models import JournalEntry, LedgerAccount, Posting
    from lienrx.parties.models import LawFirm, Patient

    rng = random.Random(7)
    now = datetime.now(UTC)
    today = now.date()
    insert(LawFirm.__table__, [{"id": f, "name": f"Firm {f} LLP", "created_at": now}
                                for f in range(1, FIRMS + 1)])
    insert(Patient.__table__, [
        {"id": i, "first_name": "Ana", "last_name": f"Rivera{i}", "date_of_birth": "1985-03-14",
         "lookup_index": f"{i:064d}", "duplicate_index": f"{i:064d}", "created_at": now}
        for i in range(1, cases + 1)])
    insert(Case.__table__, [
        {"id": i, "patient_id": i, "law_firm_id": 1 + i % FIRMS, "firm_file_number": f"F-{i}",
         "date_of_injury": date(2023, 1, 1), "injury_mechanism": "motor_vehicle",
         "jurisdiction": "TN", "status": STATUSES[i % len(STATUSES)],
         "created_at": now, "updated_at": now} for i in range(1, cases + 1)])
    books = [("revenue:dispensing", "revenue")] + [(code, kind) for _, code, kind in CREDITS]
    insert(LedgerAccount.__table__, [{"id": n, "code": code, "kind": kind, "case_id": None}
                                      for n, (code, kind) in enumerate(books, 1)])
    first = len(books) + 1
    insert(LedgerAccount.__table__, [{"id": first + i, "code": f"lien_receivable:{i}",
                                       "kind": "lien_receivable", "case_id": i}
                                      for i in range(1, cases + 1)])
    journal, postings = [], []
    for n in range(1, entries + 1):
        case_id = 1 + (n - 1) % cases
        credit = n % 10 == 0
        kind, book = (CREDITS[n % 3][0], 2 + n % 3) if credit else ("charge", 1)
        cents = rng.randint(1_500, 95_000) // (3 if credit else 1)
        sign = -1 if credit else 1
        journal.append({"id": n, "kind": kind, "case_id": case_id, "memo": kind,
                        "occurred_on": today - timedelta(days=1095 - n * 1095 // entries),
                        "posted_at": now})
        postings += [{"entry_id": n, "account_id": first + case_id, "amount_cents": sign * cents},
                     {"entry_id": n, "account_id": book, "amount_cents": -sign * cents}]
    db.session.execute(sa.text("SET LOCAL session_replication_role = replica"))
    insert(JournalEntry.__table__, journal)
    insert(Posting.__table__, postings)
    reset_sequences("law_firms", "patients", "cases", "ledger_accounts", "journal_entries",
                    "postings")
    db.session.commit()
    settle()


def time_raw_sql(url: str, runs: int) -> list[float]:
    """Time of the plain balance aggregate over every case, in ms (psycopg, no ORM)."""
    samples = []
    with psycopg.connect(url) as conn:
        conn.execute(RAW_SQL).fetchall()
        for _ in range(runs):
            start = time.perf_counter()
            conn.execute(RAW_SQL).fetchall()
            samples.append((time.perf_counter() - start) * 1000)
    return samples


def time_aging(app, runs: int) -> list[float]:
    """Server time of ``GET /api/v1/reports/aging`` in ms, as a billing user."""
    from lienrx.auth import services as auth
    from lienrx.extensions import db

    with app.app_context():
        billing = auth.create_user(None, email="billing@bench.test", name="Bench Billing",
                                   role="billing", password="bench-password-123")
        raw, _ = auth.issue_token(billing, timedelta(hours=1))
        db.session.commit()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {raw}"}
    assert client.get("/api/v1/reports/aging", headers=headers).status_code == 200
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        answer = client.get("/api/v1/reports/aging", headers=headers)
        samples.append((time.perf_counter() - start) * 1000)
        assert answer.status_code == 200 and answer.json, answer.status_code
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg-admin-url", default=admin_url_default())
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--postings", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    from lienrx.extensions import db

    with instance_path(), throwaway_database(args.pg_admin_url) as url:
        app = make_app(url, keys())
        with app.app_context():
            migrate(app)
            start = time.perf_counter()
            seed(args.cases, args.postings // 2)
            print(f"seeded {args.cases} cases of {FIRMS} firms, {args.postings} postings "
                  f"in {time.perf_counter() - start:.1f}s")
            db.session.remove()
        raw = time_raw_sql(url, args.runs)
        aging = time_aging(app, args.runs)
        with app.app_context():
            db.engine.dispose()
    raw_p95, p95 = percentile(raw, 95), percentile(aging, 95)
    print(f"raw SQL balance aggregate (baseline): p50 {percentile(raw, 50):.1f} ms, "
          f"p95 {raw_p95:.1f} ms over {len(raw)} runs")
    print(f"A/R aging GET /api/v1/reports/aging:  p50 {percentile(aging, 50):.1f} ms, "
          f"p95 {p95:.1f} ms over {len(aging)} requests")
    print(f"aging_vs_raw_sql ratio={p95 / raw_p95:.2f} p95_ms={p95:.1f}")


if __name__ == "__main__":
    main()
