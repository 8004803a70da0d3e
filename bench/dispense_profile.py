"""Where a dispense's time goes: the profile behind bench/dispense.py's figures.

    .venv/bin/python bench/dispense_profile.py [--cases 200] [--dispenses 300]
                                               [--pg-admin-url postgresql://…/postgres]

Seeds a throwaway PostgreSQL database as bench/dispense.py does (``--cases`` active cases,
four prescriptions each, their DUR alerts resolved), builds the production app in this process
and sends ``POST /api/v1/dispenses`` through the Flask test client, as bench/dispense.py's wrk
script does (a random prescription, an Idempotency-Key, a refill-too-soon override). Prints,
per dispense: the SQL statements sent, the CPU time of this process (the server's share of
the work, without PostgreSQL's), and, as the baseline, the same for an authenticated, audited
read of one dispense (``GET /api/v1/dispenses/{id}``: sign-in by token, the HIPAA gate, the
audit seal and the commit, which every request pays); then the functions of LienRx that take
the most time, as shares of the whole request's wall time (pyinstrument, a sampling profiler:
a deterministic one like cProfile inflates code that makes many small calls, such as the
ORM's).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from typing import Any

from common import DEFAULT_ADMIN_URL, throwaway_database
from dispense import PHARMACY, keys, seed
from pyinstrument import Profiler

from tests.sql import sent as statements

SHOWN = 22  # functions in the profile table (the first few are the request's own layers)


def cpu_ms(runs: int, work: Callable[[], Any]) -> tuple[float, float]:
    """(CPU ms of this process, median wall ms) per run of ``work``."""
    walls, cpu = [], time.process_time()
    for _ in range(runs):
        start = time.perf_counter()
        work()
        walls.append(time.perf_counter() - start)
    return (time.process_time() - cpu) / runs * 1000, statistics.median(walls) * 1000


def profile(runs: int, work: Callable[[], Any]) -> None:
    """Print the LienRx functions with the largest share of the time of ``runs`` runs (a
    function's time counted once where it calls itself through a wrapper)."""
    profiler = Profiler(interval=0.0002)
    profiler.start()
    for _ in range(runs):
        work()
    profiler.stop()
    root = profiler.last_session.root_frame()
    shares: dict[str, float] = {}

    def walk(frame: Any, above: frozenset[str]) -> None:
        key = None
        if frame.file_path and "/lienrx/" in frame.file_path:
            key = f"lienrx/{frame.file_path.split('/lienrx/', 1)[1]}:{frame.function}"
            if key not in above:
                shares[key] = shares.get(key, 0.0) + frame.time
        for child in frame.children:
            walk(child, above | {key} if key else above)

    walk(root, frozenset())
    print(f"pyinstrument, {runs} dispenses: share of the wall time")
    for key, seconds in sorted(shares.items(), key=lambda item: -item[1])[:SHOWN]:
        print(f"  {seconds / root.time * 100:5.1f} %  {key}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg-admin-url", default=DEFAULT_ADMIN_URL)
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--dispenses", type=int, default=300)
    args = parser.parse_args()
    with throwaway_database(args.pg_admin_url) as url:
        run(args, url)


def run(args: argparse.Namespace, url: str) -> None:
    """Seed, then dispense and read through the production app in this process."""
    from lienrx import create_app
    from lienrx.extensions import db

    secrets = keys()
    rx_ids, token, _ = seed(url, secrets, args.cases)
    os.environ.update(PHARMACY)
    with tempfile.TemporaryDirectory() as folder:
        os.environ["LIENRX_INSTANCE_PATH"] = folder
        app = create_app({"LIENRX_ENV": "production", "DATABASE_URL": url, **secrets,
                          **PHARMACY})
        client = app.test_client()
        bearer = {"Authorization": f"Bearer {token}"}
        made: list[int] = []

        def dispense() -> None:
            rx, ndc = random.choice(rx_ids)
            answer = client.post("/api/v1/dispenses", headers={
                **bearer, "Idempotency-Key": uuid.uuid4().hex}, json={
                "prescription_id": rx, "quantity": 1, "days_supply": 30, "ndc": ndc,
                "override_refill_too_soon": {"reason": "benchmark"}})
            assert answer.status_code == 201, answer.get_data(as_text=True)[:300]
            made.append(answer.json["id"])

        def read() -> None:
            answer = client.get(f"/api/v1/dispenses/{made[0]}", headers=bearer)
            assert answer.status_code == 200, answer.status_code

        for _ in range(20):  # warm the process: its statement cache and reference copies
            dispense()
            read()
        with app.app_context():
            engine = db.engine
        sent = len(statements(dispense, engine)), len(statements(read, engine))
        work_cpu, work_wall = cpu_ms(args.dispenses, dispense)
        read_cpu, read_wall = cpu_ms(args.dispenses, read)
        print(f"POST /api/v1/dispenses: {sent[0]} statements, {work_cpu:.1f} ms CPU, "
              f"{work_wall:.1f} ms median wall")
        print(f"baseline GET /api/v1/dispenses/{{id}}: {sent[1]} statements, "
              f"{read_cpu:.1f} ms CPU, {read_wall:.1f} ms median wall")
        print(f"dispense_cpu_vs_audited_read ratio={work_cpu / read_cpu:.1f}")
        profile(200, dispense)
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    main()
