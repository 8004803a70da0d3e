"""Benchmark the reconciliation export: 100,000 charge lines over 5,000 cases on PostgreSQL.

    .venv/bin/python bench/export.py [--pg-admin-url postgresql://postgres@127.0.0.1:5432/postgres]

Creates a throwaway database (like tests/conftest.py), migrates it, bulk-seeds firms, patients
(PHI encrypted as the app does), cases, settlements and the charge entries, then runs two
phases, each in a fresh interpreter so its peak RSS is its own:

- ``export``: the application's ``write_reconciliation`` (styled cells, formula-safe text,
  totals formulas, autofilter, the audit event);
- ``openpyxl``: a plain openpyxl write-only workbook with the same four sheets and the same
  cell values (money as Decimal dollars, dates as dates) from the same row queries, with
  ``ws.append`` and nothing else.

Peak memory is the export process's own high-water mark, ``VmHWM`` in ``/proc/self/status``
(the whole interpreter: Python, Flask, SQLAlchemy, openpyxl and the export). Not
``ru_maxrss``: Linux keeps that across ``exec``, so a child started by a large parent (as
``bench/scale.py`` is, after building a book) would report the parent's peak. The last line is
``export_vs_openpyxl ratio=R peak_rss_mb=M``. The database is dropped at the end.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from common import (
    admin_url_default,
    insert,
    instance_path,
    keys,
    make_app,
    migrate,
    reset_sequences,
    settle,
    throwaway_database,
)


def seed(cases: int, lines: int) -> None:
    """Bulk-insert a realistic book: 50 firms, one patient per case, charges spread over cases."""
    from lienrx.cases.models import Case, CaseDiagnosis
    from lienrx.extensions import db
    from lienrx.ledger.models import JournalEntry, LedgerAccount, Posting
    from lienrx.parties.models import LawFirm, Patient
    from lienrx.settlement.models import Settlement
    from tests.perf.book import copy_rows

    rng = random.Random(6)
    now = datetime.now(UTC)
    db.session.execute(sa.text("SET LOCAL session_replication_role = replica"))
    insert(LawFirm.__table__, [{"id": i, "name": f"Firm {i} LLP", "created_at": now}
                                for i in range(1, 51)])
    insert(Patient.__table__, [
        {"id": i, "first_name": rng.choice(["Ana", "Ben", "Cy", "=Dee"]),
         "last_name": f"Rivera{i}", "date_of_birth": "1985-03-14", "phone": None, "email": None,
         "address": None, "lookup_index": f"{i:064d}", "duplicate_index": f"{i:064d}",
         "created_at": now}
        for i in range(1, cases + 1)])
    statuses = ["active"] * 3 + ["settled"]
    insert(Case.__table__, [
        {"id": i, "patient_id": i, "law_firm_id": 1 + i % 50, "firm_file_number": f"F-{i}",
         "date_of_injury": date(2025, 1, 1), "injury_mechanism": "motor_vehicle",
         "jurisdiction": "TN", "status": statuses[i % 4], "created_at": now, "updated_at": now}
        for i in range(1, cases + 1)])
    insert(CaseDiagnosis.__table__, [{"case_id": i, "position": 0, "icd10": "G90.511"}
                                      for i in range(1, cases + 1)])
    insert(Settlement.__table__, [
        {"case_id": i, "settled_on": date(2026, 1, 1) + timedelta(days=i % 200),
         "gross_cents": 10_000_000, "attorney_fees_cents": 3_333_333, "costs_cents": 50_000,
         "created_at": now} for i in range(1, cases + 1) if statuses[i % 4] == "settled"])
    insert(LedgerAccount.__table__, [{"id": 1, "code": "revenue:dispensing", "kind": "revenue",
                                       "case_id": None}])
    insert(LedgerAccount.__table__, [{"id": 1 + i, "code": f"lien_receivable:{i}",
                                       "kind": "lien_receivable", "case_id": i}
                                      for i in range(1, cases + 1)])
    entries, postings = [], []
    for n in range(1, lines + 1):
        case_id = 1 + (n - 1) % cases
        cents = rng.randint(1_500, 95_000)
        entries.append({"id": n, "kind": "charge", "case_id": case_id,
                        "occurred_on": date(2025, 2, 1) + timedelta(days=n % 330),
                        "posted_at": now, "memo": rng.choice(["Ketamine 10% cream 60 g",
                                                              "Gabapentin 300 mg #90",
                                                              "-LDN 4.5 mg #30"]),
                        "source_type": "dispense", "source_id": n})
        postings += [{"entry_id": n, "account_id": 1 + case_id, "amount_cents": cents},
                     {"entry_id": n, "account_id": 1, "amount_cents": -cents}]
    copy_rows(JournalEntry.__table__, entries)
    copy_rows(Posting.__table__, postings)
    reset_sequences("law_firms", "patients", "cases", "ledger_accounts", "journal_entries")
    db.session.commit()
    settle()


def phase_export(out: str) -> dict:
    """Time the application's export."""
    from lienrx.exports.reconciliation import Filters, write_reconciliation
    from lienrx.extensions import db

    start = time.perf_counter()
    counts = write_reconciliation(None, out, Filters())
    db.session.commit()
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "rows": counts.total}


def phase_openpyxl(out: str) -> dict:
    """Time plain openpyxl write-only writing the same cells from the same row queries."""
    from openpyxl import Workbook

    from lienrx.core.spreadsheets import MONEY, money_value
    from lienrx.exports.reconciliation import SHEETS, Filters

    start = time.perf_counter()
    workbook, rows, ids = Workbook(write_only=True), 0, Filters().case_ids()
    for title, columns, produce, _ in SHEETS:
        ws = workbook.create_sheet(title)
        ws.append([c.header for c in columns])
        money = [i for i, c in enumerate(columns) if c.kind == MONEY]
        for row in produce(ids):
            for i in money:
                if row[i] is not None:
                    row[i] = money_value(row[i])
            ws.append(row)
            rows += 1
    workbook.save(out)
    return {"seconds": time.perf_counter() - start, "rows": rows}


def phase_decrypt() -> dict:
    """Time loading and decrypting every patient's names (the initials' cost)."""
    from lienrx.extensions import db
    from lienrx.parties.models import Patient

    start = time.perf_counter()
    names = db.session.execute(sa.select(Patient.first_name, Patient.last_name)).all()
    return {"seconds": time.perf_counter() - start, "patients": len(names)}


PHASES = {"export": phase_export, "openpyxl": phase_openpyxl, "decrypt": phase_decrypt}


def peak_rss_mb() -> float:
    """This process's peak resident memory in MB since its ``exec``."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # not Linux


def run_phase(name: str, url: str, keys_file: str) -> None:
    """Child process: run one phase and print its figures as JSON."""
    app = make_app(url, json.loads(Path(keys_file).read_text()))
    with app.app_context(), tempfile.TemporaryDirectory() as tmp:
        out = str(Path(tmp) / "out.xlsx")
        result = PHASES[name](out) if name != "decrypt" else PHASES[name]()
        if Path(out).exists():
            result["file_mb"] = Path(out).stat().st_size / 1e6
    result["peak_rss_mb"] = peak_rss_mb()
    print(json.dumps(result))


def child(name: str, url: str, keys_file: str) -> dict:
    proc = subprocess.run([sys.executable, __file__, "--phase", name, "--db", url,
                           "--keys", keys_file], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"phase {name} failed")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg-admin-url", default=admin_url_default())
    parser.add_argument("--cases", type=int, default=5_000)
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--only-export", action="store_true",
                        help="run the export phase alone (its time and peak RSS; no baseline)")
    parser.add_argument("--phase", choices=sorted(PHASES))
    parser.add_argument("--db")
    parser.add_argument("--keys")
    args = parser.parse_args()
    if args.phase:
        run_phase(args.phase, args.db, args.keys)
        return

    from lienrx.extensions import db

    secrets = keys()
    with instance_path() as tmp, throwaway_database(args.pg_admin_url) as url:
        keys_file = str(Path(tmp) / "keys.json")
        Path(keys_file).write_text(json.dumps(secrets))
        app = make_app(url, secrets)
        with app.app_context():
            migrate(app)
            start = time.perf_counter()
            seed(args.cases, args.lines)
            print(f"seeded {args.cases} cases, {args.lines} charge lines in "
                  f"{time.perf_counter() - start:.1f}s")
            db.engine.dispose()
        if not args.only_export:
            decrypt = child("decrypt", url, keys_file)
            print(f"decrypt {decrypt['patients']} patients' names: {decrypt['seconds']:.2f}s")
            plain = child("openpyxl", url, keys_file)
            print(f"plain openpyxl write-only: {plain['seconds']:.2f}s, {plain['rows']} rows, "
                  f"{plain['file_mb']:.1f} MB, peak RSS {plain['peak_rss_mb']:.0f} MB")
        export = child("export", url, keys_file)
        print(f"lienrx export:             {export['seconds']:.2f}s, {export['rows']} rows, "
              f"{export['file_mb']:.1f} MB, peak RSS {export['peak_rss_mb']:.0f} MB")
    if args.only_export:
        print(f"export_only rows={export['rows']} peak_rss_mb={export['peak_rss_mb']:.0f}")
        return
    ratio = export["seconds"] / plain["seconds"]
    print(f"export_vs_openpyxl ratio={ratio:.2f} peak_rss_mb={export['peak_rss_mb']:.0f}")


if __name__ == "__main__":
    main()
