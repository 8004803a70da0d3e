"""Benchmark how LienRx grows with its book: the same figures at each size, and how they grow.

    .venv/bin/python bench/scale.py [--sizes 1,10] [--requests 30]
                                    [--pg-admin-url postgresql://postgres@127.0.0.1:5432/postgres]

For each size a throwaway PostgreSQL database gets the book of ``tests/perf/book.py`` (size
1: 1,000 cases over 10 firms, about 12,000 fills with their charges, 200,000 chained audit
events; size 10 ten times that), one case with 200 fills made through the services
(``bench/pogos.py``) and a day of 100 controlled dispenses (``tests/pdmp/bulk.py``). Then,
through the Flask test client as the right role (each request also writes its audit event):

- ``portal case list``: ``GET /portal/`` as the first firm's attorney, pages 1-4, four sorts;
- ``portal case page``: ``GET /portal/cases/{id}`` as that attorney;
- ``staff case page``: ``GET /staff/cases/{id}`` as a pharmacist;
- ``work queue``: ``GET /staff/`` as a pharmacist;
- ``ledger page``: ``GET /api/v1/cases/{id}/ledger`` as billing (a bearer token);

(``tests.perf.book.hot_pages``, whose queries tests/perf/test_query_plans.py EXPLAINs)

each the p95 of ``--requests`` requests after a warm-up; and, each as a median of runs (a
single run of a long job swung by a third between runs on the same machine):

- ``POGOS``: issue (build and sign) and render the 200-fill case's POGOS (median of 3);
- ``export``: the reconciliation workbook of every case, in a fresh interpreter
  (``bench/export.py --phase export``), with its peak RSS (median of 3);
- ``audit verify``: ``lienrx audit verify`` over the whole chain (median of 3);
- ``PDMP day``: generate the day's ASAP file (median of 5 after a warm-up, rolled back).

A firm stays 100 cases at every size (a bigger book is more firms), so the attorney's pages
see the same firm. The last lines compare the first size (the baseline) with each other
size: ``scale <figure> base=B figure=F ratio=R goal=G met|UNMET``. Goals: paged pages and the
one-case and one-day documents grow at most 1.5×; the export and the verification at most as
the book (10× for 1 → 10); the export's peak RSS at most 1.2×.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from common import (
    ROOT,
    admin_url_default,
    instance_path,
    keys,
    make_app,
    median_seconds,
    migrate,
    percentile,
    settle,
    throwaway_database,
)

from tests.perf.book import PASSWORD, hot_pages

PHARMACY = {"LIENRX_PHARMACY_NPI": "1003000126", "LIENRX_PHARMACY_DEA": "AP5836727",
            "LIENRX_PHARMACY_ADDRESS": "100 Main St, Nashville, TN 37203",
            "LIENRX_PHARMACY_PHONE": "(615) 555-0100", "LIENRX_PHARMACY_STATE": "TN"}
PDMP_DISPENSES = 100
POGOS_FILLS = 200
PAGED = ("portal case list", "portal case page", "staff case page", "work queue",
         "ledger page")
FLAT = ("POGOS 200 fills", "PDMP day")
LINEAR = ("export", "audit verify")
RUNS = 3  # of each long job (the export, the verification): the median is the figure


@dataclass
class Built:
    """What a size's database holds that the measurements need."""

    counts: dict[str, int]
    seconds: float
    firm_id: int
    case_ids: list[int]
    pogos_case: int
    pdmp_day: Any


def build(app: Any, size: float) -> Built:
    """The book, the POGOS case and the PDMP day, committed and settled (vacuumed, analysed)."""
    from pogos import build_case

    from lienrx.cases.models import Case
    from lienrx.core import clock
    from lienrx.extensions import db
    from tests.pdmp import bulk
    from tests.perf import book

    with app.app_context():
        migrate(app)
        start = time.perf_counter()
        made = book.build(size)
        pogos_case = build_case(POGOS_FILLS)
        clock.freeze(None)
        db.session.commit()
        day = clock.today() - timedelta(days=1)
        bulk.controlled_day(day, PDMP_DISPENSES, moment=bulk.now_at(day, 14))
        db.session.commit()
        settle()
        seconds = time.perf_counter() - start
        case_ids = list(db.session.execute(
            db.select(Case.id).where(Case.law_firm_id == made.firm_id,
                                     Case.status == "active").order_by(Case.id)).scalars())
        db.session.remove()
    return Built(made.counts, seconds, made.firm_id, case_ids, pogos_case, day)


def signed_in(app: Any, email: str) -> Any:
    """A test client signed in through the sign-in form."""
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    answer = client.post("/login", data={"email": email, "password": PASSWORD,
                                         "csrf_token": token})
    assert answer.status_code == 302, (email, answer.status_code)
    return client


def p95(client: Any, urls: list[str], requests: int, **headers: str) -> float:
    """The p95 in ms of ``requests`` GETs cycling through ``urls``, after a warm-up."""
    for url in urls[:3]:
        assert client.get(url, headers=headers).status_code == 200, url
    samples = []
    for n in range(requests):
        url = urls[n % len(urls)]
        start = time.perf_counter()
        answer = client.get(url, headers=headers)
        samples.append((time.perf_counter() - start) * 1000)
        assert answer.status_code == 200, (url, answer.status_code)
    return percentile(samples, 95)


def pages(app: Any, built: Built, requests: int, queue_requests: int) -> dict[str, float]:
    """The paged pages' p95s (the work queue over ``queue_requests``)."""
    from lienrx.auth import services as auth
    from lienrx.auth.models import User
    from lienrx.extensions import db

    with app.app_context():
        billing = db.session.execute(db.select(User).where(User.role == "billing")).scalar()
        token, _ = auth.issue_token(billing, timedelta(hours=1))
        db.session.commit()
    signed = {"attorney": signed_in(app, "counsel@bench.test"),
              "pharmacist": signed_in(app, "rph@bench.test")}
    figures = {}
    for name, (who, urls) in hot_pages(built.case_ids[:10]).items():
        if who == "billing":
            figures[name] = p95(app.test_client(), urls, requests,
                                Authorization=f"Bearer {token}")
        else:
            figures[name] = p95(signed[who], urls,
                                queue_requests if name == "work queue" else requests)
    return figures


def documents(app: Any, built: Built) -> dict[str, float]:
    """The POGOS of the 200-fill case, the PDMP day and ``lienrx audit verify``, in s."""
    import weasyprint
    from pogos import signer_of_case, time_pogos

    from lienrx.extensions import db
    from lienrx.pdmp import services as pdmp

    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    weasyprint.HTML(string="<p>warm up</p>").write_pdf()
    with app.app_context():
        pogos, _, _ = time_pogos(signer_of_case(), built.pogos_case, 3)
        made: list[Any] = []
        pdmp.generate(None, report_date=built.pdmp_day)  # warm-up: the first run reads cold
        db.session.rollback()
        day = median_seconds(5, lambda: made.append(pdmp.generate(None,
                                                                  report_date=built.pdmp_day)),
                             db.session.rollback)
        assert made[-1].record_count == PDMP_DISPENSES, made[-1].record_count
        db.session.remove()
    verify = median_seconds(RUNS, lambda: verify_chain(app), lambda: None)
    return {"POGOS 200 fills": pogos, "PDMP day": day, "audit verify": verify}


def verify_chain(app: Any) -> None:
    """``lienrx audit verify``, which must find the chain intact."""
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "intact" in result.output, result.output


def export(url: str, secrets: dict[str, str], folder: str) -> dict[str, float]:
    """The run of median time of the reconciliation export of every case, each in a fresh
    interpreter: seconds, rows and peak RSS."""
    keys_file = Path(folder) / "keys.json"
    keys_file.write_text(json.dumps(secrets))
    runs = sorted((export_once(url, keys_file) for _ in range(RUNS)),
                  key=lambda run: run["seconds"])
    return runs[len(runs) // 2]


def export_once(url: str, keys_file: Path) -> dict[str, float]:
    """One export in a fresh interpreter: seconds, rows and peak RSS."""
    child = subprocess.run([sys.executable, str(ROOT / "bench" / "export.py"), "--phase",
                            "export", "--db", url, "--keys", str(keys_file)],
                           capture_output=True, text=True, check=False)
    if child.returncode != 0:
        sys.stderr.write(child.stderr)
        raise SystemExit("the export failed")
    return json.loads(child.stdout.strip().splitlines()[-1])


def measure(size: float, admin_url: str, requests: int, queue_requests: int
            ) -> dict[str, float]:
    """Build one size's book and take every figure."""
    secrets = keys()
    with instance_path() as folder, throwaway_database(admin_url) as url:
        app = make_app(url, secrets, **PHARMACY)
        built = build(app, size)
        counts = ", ".join(f"{n:,} {name.replace('_', ' ')}" for name, n in built.counts.items())
        print(f"size {size:g}: built {counts} in {built.seconds:.0f}s", flush=True)
        figures = pages(app, built, requests, queue_requests)
        figures.update(documents(app, built))
        made = export(url, secrets, folder)
        figures.update({"export": made["seconds"], "export peak RSS": made["peak_rss_mb"],
                        "export rows": made["rows"]})
        with app.app_context():
            from lienrx.extensions import db

            db.engine.dispose()
    for name in PAGED:
        print(f"size {size:g}: {name:<18} p95 {figures[name]:8.1f} ms", flush=True)
    for name in (*FLAT, "audit verify", "export"):
        print(f"size {size:g}: {name:<18}     {figures[name]:8.2f} s", flush=True)
    print(f"size {size:g}: export peak RSS       {figures['export peak RSS']:8.0f} MB "
          f"({figures['export rows']:,.0f} rows)", flush=True)
    return figures


def goal(name: str, growth: float) -> float:
    """The most a figure may grow when the book grows ``growth`` times."""
    if name in LINEAR:
        return growth
    if name == "export peak RSS":
        return 1.2
    return 1.5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg-admin-url", default=admin_url_default())
    parser.add_argument("--sizes", default="1,10",
                        help="book sizes, comma-separated; the first is the baseline")
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--queue-requests", type=int, default=30,
                        help="requests to the work queue (slow: every item waiting is read)")
    args = parser.parse_args()
    sizes = [float(s) for s in args.sizes.split(",")]
    results = [measure(size, args.pg_admin_url, args.requests, args.queue_requests)
               for size in sizes]
    base = results[0]
    for size, figures in zip(sizes[1:], results[1:], strict=True):
        growth = size / sizes[0]
        for name in (*PAGED, *FLAT, *LINEAR, "export peak RSS"):
            ratio = figures[name] / base[name]
            most = goal(name, growth)
            print(f"scale {name.replace(' ', '_')} {sizes[0]:g}x->{size:g}x "
                  f"base={base[name]:.2f} figure={figures[name]:.2f} ratio={ratio:.2f} "
                  f"goal<={most:g} {'met' if ratio <= most else 'UNMET'}")


if __name__ == "__main__":
    main()
