"""Measure password guessing at one account: how many guesses reach a password check.

    .venv/bin/python bench/signin_guessing.py [--guesses 60] [--addresses 6]

Builds a throwaway SQLite database with one pharmacist account, then makes the attack of
issue 12: ``--guesses`` wrong passwords at that account, spread round-robin over
``--addresses`` client addresses and alternating between the sign-in page (``POST /login``)
and the token endpoint (``POST /api/v1/auth/token``), as fast as the server answers. It runs
it twice, each time on a fresh database:

- ``proxy``: the app behind one proxy (``LIENRX_TRUSTED_PROXIES=1``), each address sent as
  ``X-Forwarded-For``, the way a deployment behind nginx sees its clients;
- ``direct``: each address as the connection's own address (``REMOTE_ADDR``).

A guess "reached a password check" when it was answered as a wrong password (401 from the
API, the form error on the page) rather than refused by a limit (429). Prints both counts;
the last line is ``signin_guessing let_through=N of=G ratio=R`` for the proxy run, where
R = N / G (the baseline: every guess let through).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

EMAIL = "target@bench.test"
PASSWORD = "the real bench password"  # noqa: S105 - a throwaway account in a throwaway database
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def build_app(mode: str):  # noqa: ANN201 - a Flask app
    from flask_migrate import upgrade

    from lienrx import create_app
    from lienrx.auth import services as auth
    from lienrx.core import crypto
    from lienrx.extensions import db

    folder = tempfile.mkdtemp(prefix="lienrx-guessing-")
    os.environ["LIENRX_INSTANCE_PATH"] = folder
    settings = {"LIENRX_ENV": "development", "DATABASE_URL": f"sqlite:///{folder}/bench.db",
                "SECRET_KEY": "bench", "LIENRX_DATA_KEYS": crypto.new_data_key(),
                "LIENRX_SIGNING_KEY": crypto.new_signing_seed(),
                "WTF_CSRF_SSL_STRICT": False}
    if mode == "proxy":
        settings["LIENRX_TRUSTED_PROXIES"] = 1
    app = create_app(settings)
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        auth.create_user(None, email=EMAIL, name="Bench Target", role="pharmacist",
                         password=PASSWORD, license_number="TN-RPH-1")
        db.session.commit()
    return app


def attack(app, mode: str, guesses: int, addresses: int) -> tuple[int, int, float]:  # noqa: ANN001
    ips = [f"198.51.100.{i + 10}" for i in range(addresses)]
    clients = {}
    for ip in ips:
        environ = {"REMOTE_ADDR": "127.0.0.1" if mode == "proxy" else ip}
        clients[ip] = (app.test_client(), environ,
                       {"X-Forwarded-For": ip} if mode == "proxy" else {})
    let_through = refused = 0
    started = time.perf_counter()
    for n in range(guesses):
        client, environ, headers = clients[ips[n % addresses]]
        wrong = f"guess number {n:04d}"
        if n % 2 == 0:
            page = client.get("/login", environ_base=environ, headers=headers)
            token = CSRF.search(page.get_data(as_text=True))
            response = client.post("/login", environ_base=environ, headers=headers, data={
                "email": EMAIL, "password": wrong, "next": "",
                "csrf_token": token.group(1) if token else ""})
            checked = (response.status_code == 200
                       and "The e-mail or password is wrong." in response.get_data(as_text=True))
        else:
            response = client.post("/api/v1/auth/token", environ_base=environ, headers=headers,
                                   json={"email": EMAIL, "password": wrong})
            checked = response.status_code == 401
        if checked:
            let_through += 1
        elif response.status_code == 429:
            refused += 1
        else:
            raise SystemExit(f"unexpected answer {response.status_code} to guess {n}")
    return let_through, refused, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--guesses", type=int, default=60)
    parser.add_argument("--addresses", type=int, default=6)
    args = parser.parse_args()
    results = {}
    for mode in ("direct", "proxy"):
        app = build_app(mode)
        let_through, refused, seconds = attack(app, mode, args.guesses, args.addresses)
        results[mode] = let_through
        print(f"{mode}: {args.guesses} guesses from {args.addresses} addresses, "
              f"page and API alternating: {let_through} reached a password check, "
              f"{refused} refused (429), in {seconds:.1f} s")
    print(f"signin_guessing let_through={results['proxy']} of={args.guesses} "
          f"ratio={results['proxy'] / args.guesses:.3f}")


if __name__ == "__main__":
    main()
