"""Fixtures for the portal: a firm's case with fills and a signed POGOS, and a signed-in client."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from flask import current_app

from lienrx.attestations import services as attestations
from lienrx.auth.models import User
from lienrx.cases import services as cases
from lienrx.core import clock
from lienrx.dispensing import services as dispensing
from lienrx.extensions import db
from tests import factories
from tests.formulary.factories import (
    GABAPENTIN_300_NDC,
    load_products,
    prescription,
    receive_ndc_lot,
)

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(html: str) -> str:
    """The CSRF token a rendered form carries."""
    match = CSRF.search(html)
    assert match, "the page has no CSRF token"
    return match.group(1)


def sign_in(client: Any, email: str) -> Any:
    """Sign ``client`` in through the real sign-in form."""
    token = csrf_token(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"email": email, "password": factories.PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 302, response.status_code
    return client


@dataclass
class Book:
    """Ids and names of what a portal test works with."""

    firm_id: int
    attorney_email: str
    case_id: int
    client_name: str
    file_number: str
    rx_id: int
    pharmacist_id: int
    other_case_id: int


def fill(pharmacist_id: int, rx_id: int, days_ago: int) -> Any:
    """Dispense 90 gabapentin capsules ``days_ago`` days back: a late entry from the paper
    log (the late-entry window widened for it), so the fills are new to the portal."""
    pharmacist = db.session.get(User, pharmacist_id)
    config = current_app.config
    window = config["LIENRX_LATE_ENTRY_DAYS"]
    config["LIENRX_LATE_ENTRY_DAYS"] = max(window, days_ago)
    try:
        return dispensing.dispense(pharmacist, dispensing.DispenseRequest(
            prescription_id=rx_id, quantity=Decimal(90), days_supply=30,
            dispensed_on=clock.today() - timedelta(days=days_ago), ndc=GABAPENTIN_300_NDC,
            lot_number=receive_ndc_lot(GABAPENTIN_300_NDC, "GB2291A", 90).lot_number,
            late_entry_reason="Entered from the paper log" if days_ago else None))
    finally:
        config["LIENRX_LATE_ENTRY_DAYS"] = window


def build_book(app: Any, world: Any) -> Book:
    """The world case with two gabapentin fills, a signed POGOS and another firm's case."""
    with app.app_context():
        load_products("GABA-CAP-300")
        rx = prescription(world.case_id, world.prescriber_id, "GABA-CAP-300",
                          quantity=Decimal(90), days_supply=30, refills_authorized=3,
                          written_on=clock.today() - timedelta(days=70),
                          sig="1 capsule by mouth three times daily")
        pharmacist = factories.user("pharmacist")
        # the lien agreement in force when the fills went out
        cases.record_lien_agreement(None, world.case_id, patient_signed=True,
                                    signed_on=clock.today() - timedelta(days=70))
        fill(pharmacist.id, rx.id, 60)
        fill(pharmacist.id, rx.id, 20)
        cases.add_external_treatment(None, world.case_id, kind="iv_ketamine_infusion",
                                     started_on=clock.today() - timedelta(days=40),
                                     facility="Music City Infusion Center",
                                     protocol="5-day low-dose")
        attestations.issue_attestation(pharmacist, world.case_id)
        other = factories.case(factories.law_firm(), firm_file_number="THEIRS-1")
        attorney = db.session.get(User, world.attorney_id)
        the_case = cases.get_case(None, world.case_id)
        book = Book(world.firm_id, attorney.email, world.case_id,
                    f"{the_case.patient.first_name} {the_case.patient.last_name}",
                    the_case.firm_file_number, rx.id, pharmacist.id, other.id)
        db.session.commit()
        return book


@pytest.fixture
def book(app, world) -> Book:
    """The world case with two gabapentin fills, a signed POGOS and another firm's case."""
    return build_book(app, world)


@pytest.fixture
def counsel(client, book) -> Any:
    """A browser-like test client signed in as the book's attorney."""
    return sign_in(client, book.attorney_email)
