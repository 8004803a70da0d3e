"""Benchmark a 1,000-dispense PDMP day through the database, against the ASAP writer alone.

    .venv/bin/python bench/pdmp_day.py [--pg-admin-url postgresql://postgres@127.0.0.1:5432/postgres]
                                       [--sqlite] [--dispenses 1000] [--runs 3]

Creates a throwaway database (PostgreSQL by default, like tests/conftest.py; ``--sqlite`` a
temporary file), migrates it and seeds a day of controlled dispenses with the tests' bulk
factory (``tests/pdmp/bulk.py``: patients and cases through the services, prescriptions and
dispenses as rows). Then, each the median of ``--runs`` runs:

- ``writer``: ``asap.write`` alone on the day's records (already selected: no database);
- ``generate``: ``pdmp.services.generate`` for the day — the state's lock, selecting and
  building the records from the database (patients decrypted), writing, storing the report
  and its record links, the audit event — rolled back after each run so each sees the day;
- ``next day``: generate the next day once the day is reported, which re-checks every
  reported record for a revision (a zero report).

The last line is ``generate_vs_writer ratio=R``. The database is dropped at the end.
"""

from __future__ import annotations

import argparse
import time
from datetime import timedelta
from typing import Any

from common import (
    admin_url_default,
    instance_path,
    keys,
    make_app,
    median_seconds,
    migrate,
    throwaway_database,
)

PHARMACY = {"LIENRX_PHARMACY_NPI": "1003000126", "LIENRX_PHARMACY_DEA": "AP5836727",
            "LIENRX_PHARMACY_ADDRESS": "100 Main St, Nashville, TN 37203",
            "LIENRX_PHARMACY_PHONE": "(615) 555-0100", "LIENRX_PHARMACY_STATE": "TN"}


def bench(url: str, dispenses: int, runs: int) -> None:
    from lienrx.core import clock
    from lienrx.extensions import db
    from lienrx.pdmp import asap, records, services
    from lienrx.pdmp.profiles import profile_for
    from tests.pdmp import bulk

    app = make_app(url, keys(), **PHARMACY)
    with app.app_context():
        migrate(app)
        day = clock.today() - timedelta(days=1)
        start = time.perf_counter()
        bulk.controlled_day(day, dispenses, moment=bulk.now_at(day, 14))
        db.session.commit()
        print(f"seeded {dispenses} controlled dispenses in {time.perf_counter() - start:.1f}s")

        profile = profile_for("TN")
        assert profile is not None
        selection = records.select(profile, day, "TN")
        assert len(selection.entries) == dispenses and not selection.problems
        found = [entry.record for entry in selection.entries]
        pharmacy = services._pharmacy()
        header = asap.Header(version="4.2", control_number="BENCH1", source_id=pharmacy.dea,
                             created_at=clock.utcnow(), source_name=pharmacy.name,
                             file_type="T")
        db.session.rollback()

        writer = median_seconds(runs, lambda: asap.write(header, pharmacy, found), lambda: None)
        print(f"writer alone ({dispenses} records):     {writer * 1000:8.1f} ms")
        made: list[Any] = []
        generate = median_seconds(
            runs, lambda: made.append(services.generate(None, report_date=day)),
            db.session.rollback)
        assert made[-1].record_count == dispenses
        print(f"generate through the database:  {generate * 1000:8.1f} ms")
        services.generate(None, report_date=day)
        db.session.commit()
        next_day = median_seconds(
            runs, lambda: services.generate(None, report_date=day + timedelta(days=1)),
            db.session.rollback)
        print(f"next day (re-checks {dispenses}):     {next_day * 1000:8.1f} ms")
        db.session.remove()
        db.engine.dispose()
    print(f"generate_vs_writer ratio={generate / writer:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg-admin-url", default=admin_url_default())
    parser.add_argument("--sqlite", action="store_true", help="a temporary SQLite file instead")
    parser.add_argument("--dispenses", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with instance_path() as tmp, throwaway_database(
            args.pg_admin_url, sqlite_in=tmp if args.sqlite else None) as url:
        bench(url, args.dispenses, args.runs)

if __name__ == "__main__":
    main()
