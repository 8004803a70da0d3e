"""Fixtures for settlement tests: a case with charges posted straight to the ledger, and a
matter whose letters print names in several scripts."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from pypdf import PdfReader

from lienrx.extensions import db
from lienrx.ledger.invariants import check_ledger
from lienrx.parties import services as parties
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


# Names in several scripts: every letter must print them intact (SPEC §7.7).
CLIENT_FIRST, CLIENT_LAST = "Zoë", "Ñúñez-山田 Смирнова"
CLIENT = f"{CLIENT_FIRST} {CLIENT_LAST}"
FIRM = "Παπαδόπουλος & Ōkubo LLP"
FIRM_ADDRESS = "1 Σύνταγμα Plaza, Suite 9\nNashville, TN 37219"
ATTORNEY = "Ελένη Κωστοπούλου"
FILE_NUMBER = "ΠΟ-2026/017"
LETTERHEAD = {"LIENRX_PHARMACY_NAME": "Cumberland Compounding Pharmacy",
              "LIENRX_PHARMACY_ADDRESS": "100 Broadway, Nashville, TN 37201",
              "LIENRX_PHARMACY_PHONE": "615-555-0100", "LIENRX_PHARMACY_NPI": "1234567893",
              "LIENRX_LETTER_SIGNATORY": "Dana Whitfield",
              "LIENRX_LETTER_SIGNATORY_TITLE": "Lien Billing Manager"}


@dataclass
class Matter:
    """A case of a firm with an address and an attorney of record, for a client whose name
    mixes scripts; its charges total $150.50."""

    case_id: int
    firm_id: int
    attorney_id: int


@pytest.fixture
def letterhead(app: Flask, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The pharmacy and signatory letters print, configured for the test."""
    for key, value in LETTERHEAD.items():
        monkeypatch.setitem(app.config, key, value)
    return LETTERHEAD


@pytest.fixture
def matter(app: Flask, letterhead: dict[str, str]) -> Matter:
    with app.app_context():
        firm = parties.create_law_firm(None, name=FIRM, address=FIRM_ADDRESS)
        attorney = factories.user("attorney", firm_id=firm.id, name=ATTORNEY)
        client = factories.patient(first_name=CLIENT_FIRST, last_name=CLIENT_LAST)
        case = factories.case(firm, patient_id=client.id, attorney_user_id=attorney.id,
                              firm_file_number=FILE_NUMBER)
        factories.ledger_charge(case.id, 10_000, memo="Gabapentin 300 mg capsule, fill 1",
                                dispense_id=1)
        factories.ledger_charge(case.id, 5_050, memo="Ketamine 10% cream, fill 1",
                                dispense_id=2)
        db.session.commit()
        return Matter(case.id, firm.id, attorney.id)


def words(text: str) -> str:
    """Text with its whitespace collapsed (HTML source, or text read back from a PDF)."""
    return " ".join(text.split())


def pdf_text(pdf: bytes) -> str:
    """The text of every page of a PDF, whitespace collapsed."""
    return words(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))
