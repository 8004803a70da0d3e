"""The demo accounts come from one list (seeds/demo_accounts.py): the demo seed creates
exactly those, the README's table copies them, and the sign-in page shows them in development
mode only, never in production."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from lienrx.auth.models import User
from lienrx.extensions import db
from seeds.demo_accounts import DEMO_ACCOUNTS, DEMO_PASSWORD

README = Path(__file__).resolve().parents[2] / "README.md"
ROW = re.compile(r"^\| `([^`]+)` \| (\w+) \| `([^`]+)` \| (.+) \|$")


def readme_section(title: str) -> str:
    text = README.read_text()
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start:end if end != -1 else None]


def test_readme_starts_with_the_two_commands():
    first_block = [line.split("#")[0].strip() for line in README.read_text().splitlines()
                   if line.startswith("    ")][:2]
    assert first_block == ["make run", "make test"]


def test_readme_table_lists_the_demo_seeds_accounts():
    rows = [ROW.match(line).groups() for line in readme_section("Demo accounts").splitlines()
            if ROW.match(line)]
    assert rows == [(a.email, a.role, DEMO_PASSWORD, a.try_it) for a in DEMO_ACCOUNTS]


def test_seed_demo_creates_exactly_the_listed_accounts(runner, ctx):
    result = runner.invoke(args=["seed", "demo"])
    assert result.exit_code == 0, result.output
    db.session.remove()
    users = db.session.execute(sa.select(User)).scalars().all()
    assert sorted((u.email, u.name, u.role) for u in users) == sorted(
        (a.email, a.name, a.role) for a in DEMO_ACCOUNTS)
    assert all((u.law_firm_id is not None) == (u.role == "attorney") for u in users)
    for account in DEMO_ACCOUNTS:
        assert re.search(rf"{re.escape(account.email)}\s+{account.role}\n", result.output)


def test_sign_in_page_lists_the_demo_accounts_in_development(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "LIENRX_ENV", "development")
    page = client.get("/login").get_data(as_text=True)
    assert '<h2 id="h-demo">Demo accounts</h2>' in page
    assert f'<code id="demo-password">{DEMO_PASSWORD}</code>' in page
    for account in DEMO_ACCOUNTS:
        assert f"<td>{account.email}</td><td>{account.role}</td>" in page


@pytest.mark.parametrize("mode", ["production", "testing"])
def test_sign_in_page_never_lists_them_outside_development(app, client, monkeypatch, mode):
    monkeypatch.setitem(app.config, "LIENRX_ENV", mode)
    page = client.get("/login").get_data(as_text=True)
    assert "Demo accounts" not in page and DEMO_PASSWORD not in page
    assert not any(account.email in page for account in DEMO_ACCOUNTS)
