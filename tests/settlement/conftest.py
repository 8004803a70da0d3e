"""Fixtures for settlement tests: a case with charges posted straight to the ledger."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from lienrx.extensions import db
from lienrx.ledger.invariants import check_ledger
from tests import factories


@pytest.fixture
def charged(app: Flask, world: Any) -> Any:
    """``charged(*cents)`` posts charges of those amounts on the world's case; returns it."""

    def make(*amounts: int, case_id: int | None = None) -> int:
        with app.app_context():
            target = case_id or world.case_id
            for i, cents in enumerate(amounts):
                factories.ledger_charge(target, cents, memo=f"Fill {i + 1}", dispense_id=i + 1)
            db.session.commit()
            return target

    return make


@pytest.fixture
def ledger_ok(app: Flask) -> Any:
    """``ledger_ok()`` asserts every ledger invariant (what `lienrx ledger verify` checks)."""

    def check() -> None:
        with app.app_context():
            _, problems = check_ledger()
            db.session.remove()
        assert problems == []

    return check


@pytest.fixture
def billing(api_as: Any) -> Any:
    return api_as("billing")


def settle(client: Any, case_id: int, gross: str = "1000.00", fees: str = "333.33",
           costs: str = "66.67", settled_on: str = "2026-01-10") -> Any:
    """Record a settlement through the API."""
    return client.post(f"/api/v1/cases/{case_id}/settlement", json={
        "settled_on": settled_on, "gross_amount": gross, "attorney_fees": fees, "costs": costs})


def pay(client: Any, case_id: int, amount: str, allow_overpayment: bool | None = None,
        **kw: Any) -> Any:
    """Record a payment through the API."""
    body = {"amount": amount, "received_on": "2026-01-11", "reference": "CHK 1001"}
    if allow_overpayment is not None:
        body["allow_overpayment"] = allow_overpayment
    return client.post(f"/api/v1/cases/{case_id}/payments", json=body, **kw)


def reduce(client: Any, case_id: int, method: str, value: Any = None, **kw: Any) -> Any:
    """Post a reduction through the API."""
    body = {"method": method, "reason": "negotiated with counsel"}
    if value is not None:
        body["value"] = value
    return client.post(f"/api/v1/cases/{case_id}/reductions", json=body, **kw)


def journal_count(app: Flask) -> int:
    """How many journal entries exist."""
    import sqlalchemy as sa

    from lienrx.ledger.models import JournalEntry

    with app.app_context():
        count = db.session.execute(sa.select(sa.func.count(JournalEntry.id))).scalar_one()
        db.session.remove()
        return int(count)
