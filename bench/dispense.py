"""Benchmark dispensing under load on PostgreSQL, against a bare insert endpoint.

    .venv/bin/python bench/dispense.py [--seconds 15] [--pg-admin-url postgresql://…/postgres]

Builds a throwaway database with realistic data (1,000 active cases, 5,000 prescriptions over
the seeded formulary, each case's DUR alerts already resolved), starts ``lienrx serve``
(gunicorn, production mode), and drives ``POST /api/v1/dispenses`` from 8 concurrent
connections with wrk (Debian's ``wrk``; a C load client, so the client is not the bottleneck)
— each request a random prescription, an Idempotency-Key, a refill-too-soon override. Then the
baseline: ``bench/bare_app.py`` under the same gunicorn settings on the same database, one
row inserted per request, same wrk settings. Last, ``GET /cases/{id}/ledger`` for a case with
5,000 entries (totals over them all and the first page of 50) against the raw SQL for the same
totals and page, run with psycopg.

Prints dispenses/s, p50 and p99 latency, the baseline's requests/s, then
``ledger_page_vs_raw_sql ratio=…`` (goal: ≤ 3) and, last, ``dispense_vs_bare_insert ratio=R``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import psycopg
from common import DEFAULT_ADMIN_URL, ROOT, make_app, migrate, throwaway_database

LIENRX = str(Path(sys.executable).with_name("lienrx"))
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
# Four prescriptions per case that raise no high-severity DUR alert together, none of them
# controlled (a controlled fill would draw from a received inventory lot).
REGIMEN = ("LIDO-PAT-5", "ALEN-TAB-70", "MPRED-DP-4", "DULO-CAP-30")
CONNECTIONS, THREADS = 8, 2


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# Production refuses to start without the pharmacy's identity and public address.
PHARMACY = {"LIENRX_PUBLIC_URL": "http://127.0.0.1", "LIENRX_PHARMACY_NAME": "Bench Pharmacy",
            "LIENRX_PHARMACY_ADDRESS": "1 Bench St, Nashville, TN",
            "LIENRX_PHARMACY_PHONE": "615-555-0100", "LIENRX_PHARMACY_NPI": "1234567893",
            "LIENRX_PHARMACY_DEA": "FC1234563"}


def keys() -> dict[str, str]:
    from lienrx.core import crypto

    return {"SECRET_KEY": uuid.uuid4().hex * 2, "LIENRX_DATA_KEYS": crypto.new_data_key(),
            "LIENRX_SIGNING_KEY": crypto.new_signing_seed()}


def seed(url: str, secrets: dict[str, str], cases: int
         ) -> tuple[list[tuple[int, str]], str, int]:
    """Seed the book through the services; return (prescription id, NDC) pairs, a token and
    a ledger case."""
    from lienrx.auth import services as auth
    from lienrx.cases import services as case_services
    from lienrx.core import clock
    from lienrx.dur import services as dur
    from lienrx.extensions import db
    from lienrx.formulary.services import product_by_code
    from lienrx.ledger import services as ledger
    from lienrx.parties import services as parties
    from lienrx.prescribing import services as prescribing
    from lienrx.seeds.formulary import load_formulary, seed_data

    app = make_app(url, secrets)
    with app.app_context():
        migrate(app)
        load_formulary(seed_data())
        pharmacist = auth.create_user(None, email="bench@rph.test", name="Bench Pharmacist",
                                      role="pharmacist", password="throwaway dispense pw",
                                      license_number="TN-RPH-1")
        token, _ = auth.issue_token(pharmacist, timedelta(days=1))
        doctor = parties.create_prescriber(None, first_name="Morgan", last_name="Pain",
                                           npi="1234567893", dea_number="AP5836727")
        regimen = [product_by_code(code) for code in REGIMEN]
        products = [p.id for p in regimen]
        ndc_of = {p.id: p.ndc for p in regimen}  # each product's first NDC
        firms = [parties.create_law_firm(None, name=f"Bench Firm {i}").id for i in range(20)]
        today, rx_ids = clock.today(), []
        for n in range(cases):
            patient = parties.create_patient(None, first_name="Pat", last_name=f"Bench{n}",
                                             date_of_birth=date(1980, 1, 1) + timedelta(n))
            case = case_services.open_case(
                None, patient_id=patient.id, law_firm_id=firms[n % len(firms)],
                date_of_injury=today - timedelta(days=200), injury_mechanism="motor_vehicle",
                jurisdiction="TN", diagnoses=[{"icd10": "G90.511"}])
            case_services.record_lien_agreement(None, case.id, signed_on=today,
                                                patient_signed=True)
            for product_id in products:
                rx = prescribing.create_prescription(
                    None, case_id=case.id, prescriber_id=doctor.id, product_id=product_id,
                    sig="As directed", quantity=Decimal(30), days_supply=30,
                    refills_authorized=11, written_on=today, diagnosis_codes=["G90.511"],
                    indication="Complex regional pain syndrome type I")
                for alert in dur.evaluate(rx, None):
                    dur.resolve(alert.id, pharmacist, dur.Resolution(
                        reason="TD", professional_service="R0", result="1B",
                        note="reviewed for the benchmark"))
                rx_ids.append((rx.id, ndc_of[product_id]))
            if n % 100 == 99:
                db.session.commit()
                print(f"  seeded {n + 1} cases", flush=True)
        ledger_case = case_services.open_case(
            None, patient_id=patient.id, law_firm_id=firms[0], date_of_injury=today,
            injury_mechanism="other", jurisdiction="TN", diagnoses=[{"icd10": "G90.511"}])
        receivable, revenue = ledger.receivable(ledger_case.id), ledger.book(ledger.REVENUE)
        for i in range(5000):
            cents = 1000 + i % 5000
            ledger.post_entry(kind="charge", case_id=ledger_case.id, occurred_on=today,
                              memo=f"charge {i}", lines=[(receivable, cents), (revenue, -cents)])
        db.session.commit()
        db.session.execute(db.text("ANALYZE"))
        db.session.commit()
        db.engine.dispose()
    return rx_ids, token, ledger_case.id


LUA = """
local ids = {%(ids)s}
local ndcs = {%(ndcs)s}
local token = "%(token)s"
local path = "%(path)s"
local counter = 0
local thread_id = 0
function setup(thread) thread:set("id", math.random(1, 1000000)) end
function init(args) math.randomseed(id) thread_id = id end
function request()
  counter = counter + 1
  local pick = math.random(#ids)
  local rx = ids[pick]
  local body = '{"prescription_id": ' .. rx .. ', "quantity": 1, "days_supply": 30, ' ..
               '"ndc": "' .. ndcs[pick] .. '", ' ..
               '"override_refill_too_soon": {"reason": "benchmark"}}'
  local headers = {["Content-Type"] = "application/json",
                   ["Authorization"] = "Bearer " .. token,
                   ["Idempotency-Key"] = "bench-" .. thread_id .. "-" .. counter}
  return wrk.format("POST", path, headers, body)
end
"""


def start(command: list[str], env: dict[str, str], port: int, log: Path) -> subprocess.Popen:
    with log.open("w") as out:
        server = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return server
        except OSError:
            if server.poll() is not None:
                raise SystemExit(log.read_text()) from None
            time.sleep(0.2)
    raise SystemExit("server did not start")


def wrk(port: int, script: Path, seconds: int) -> dict[str, float]:
    """Run wrk; return requests/s, p50 and p99 in ms, and non-2xx responses."""
    out = subprocess.run(["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{seconds}s",
                          "--latency", "-s", str(script), f"http://127.0.0.1:{port}"],
                         capture_output=True, text=True, check=True).stdout

    def latency(pct: str) -> float:
        value, unit = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            "p50": latency("50"), "p99": latency("99"),
            "errors": float(errors.group(1)) if errors else 0.0}


# The statements ``GET /cases/{id}/ledger`` runs for its totals and its first page of entries
# (lienrx.ledger.queries), written out by hand: the baseline the endpoint is measured against.
RAW_LEDGER_TOTALS = """
SELECT je.kind, sum(p.amount_cents), count(*) FROM postings p
JOIN journal_entries je ON je.id = p.entry_id
WHERE p.account_id = (SELECT id FROM ledger_accounts WHERE case_id = %(case)s)
  AND je.case_id = %(case)s
GROUP BY je.kind"""
RAW_LEDGER_PAGE = """
SELECT je.id, je.kind, legs.amount_cents, je.posted_at, je.occurred_on, je.memo,
       CASE WHEN je.source_type = 'dispense' THEN je.source_id END, legs.running
FROM journal_entries je JOIN (
  SELECT p.entry_id, p.amount_cents, sum(p.amount_cents) OVER (ORDER BY p.entry_id) AS running
  FROM postings p WHERE p.account_id = (SELECT id FROM ledger_accounts WHERE case_id = %(case)s)
  ORDER BY p.entry_id LIMIT 50) AS legs ON legs.entry_id = je.id
ORDER BY legs.entry_id"""


def time_ledger(port: int, token: str, case_id: int, url: str, rounds: int = 50) -> tuple:
    """Median seconds: GET /cases/{id}/ledger (totals over the whole ledger and its first
    page of 50 entries) over HTTP, and the raw SQL for the same totals and page."""
    conn = http.client.HTTPConnection("127.0.0.1", port)
    api = []
    for n in range(rounds + 5):  # the first few warm the worker
        started = time.perf_counter()
        conn.request("GET", f"/api/v1/cases/{case_id}/ledger",
                     headers={"Authorization": f"Bearer {token}"})
        response = conn.getresponse()
        body = response.read()
        if n >= 5:
            api.append(time.perf_counter() - started)
    total = int(response.headers["X-Total-Count"])
    shown = len(json.loads(body)["entries"])
    raw = []
    with psycopg.connect(url) as db:
        for n in range(rounds + 5):
            started = time.perf_counter()
            db.execute(RAW_LEDGER_TOTALS, {"case": case_id}).fetchall()
            db.execute(RAW_LEDGER_PAGE, {"case": case_id}).fetchall()
            if n >= 5:
                raw.append(time.perf_counter() - started)
    return statistics.median(api), statistics.median(raw), total, shown


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg-admin-url", default=DEFAULT_ADMIN_URL)
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--seconds", type=int, default=15)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install -y wrk")
    with throwaway_database(args.pg_admin_url) as url:
        run(args, url)


def run(args: argparse.Namespace, url: str) -> None:
    """Seed, serve and load the LienRx and bare apps on the database at ``url``."""
    workdir = Path(tempfile.mkdtemp(prefix="lienrx-bench-"))
    servers: list[subprocess.Popen] = []
    try:
        secrets = keys()
        started = time.perf_counter()
        rx_ids, token, ledger_case = seed(url, secrets, args.cases)  # (rx id, NDC) pairs
        print(f"seeded {args.cases} cases, {len(rx_ids)} prescriptions, a 5,000-entry ledger "
              f"in {time.perf_counter() - started:.1f}s")
        env = {**os.environ, "LIENRX_ENV": "production", "DATABASE_URL": url,
               "LIENRX_INSTANCE_PATH": str(workdir), **secrets, **PHARMACY}
        workers = str(2 * (os.cpu_count() or 1) + 1)
        random.shuffle(rx_ids)
        ids = ",".join(str(rx) for rx, _ in rx_ids)
        ndcs = ",".join(f'"{ndc}"' for _, ndc in rx_ids)

        port = free_port()
        servers.append(start([LIENRX, "serve", "--port", str(port), "--workers", workers],
                             env, port, workdir / "lienrx.log"))
        script = workdir / "dispense.lua"
        script.write_text(LUA % {"ids": ids, "ndcs": ndcs, "token": token,
                                 "path": "/api/v1/dispenses"})
        wrk(port, script, 3)  # warm-up
        lienrx = wrk(port, script, args.seconds)
        api_s, raw_s, entries, shown = time_ledger(port, token, ledger_case, url)
        servers.pop().terminate()

        bare_port = free_port()
        servers.append(start([GUNICORN, "--workers", workers, "--bind",
                              f"127.0.0.1:{bare_port}", "--chdir", str(ROOT / "bench"),
                              "bare_app:app"], env, bare_port, workdir / "bare.log"))
        script_bare = workdir / "bare.lua"
        script_bare.write_text(LUA % {"ids": ids, "ndcs": ndcs, "token": token,
                                      "path": "/insert"})
        wrk(bare_port, script_bare, 3)
        bare = wrk(bare_port, script_bare, args.seconds)

        print(f"gunicorn workers={workers}, wrk {THREADS} threads × {CONNECTIONS} connections, "
              f"{args.seconds}s each")
        print(f"lienrx POST /dispenses: {lienrx['rps']:.1f} dispenses/s, "
              f"p50 {lienrx['p50']:.1f} ms, p99 {lienrx['p99']:.1f} ms, "
              f"non-2xx {int(lienrx['errors'])}")
        print(f"baseline bare insert:   {bare['rps']:.1f} requests/s, p50 {bare['p50']:.1f} ms, "
              f"p99 {bare['p99']:.1f} ms, non-2xx {int(bare['errors'])}")
        print(f"GET /cases/{{id}}/ledger ({entries} entries, {shown} on the page): "
              f"{api_s * 1000:.1f} ms; raw SQL for the same totals and page: "
              f"{raw_s * 1000:.2f} ms")
        print(f"ledger_page_vs_raw_sql ratio={api_s / raw_s:.1f}")
        print(f"dispense_vs_bare_insert ratio={lienrx['rps'] / bare['rps']:.2f}")
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=30)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
