"""Fixtures for PDMP reporting: a configured pharmacy, a day of fills, clients."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from lienrx.core import clock
from lienrx.extensions import db
from tests import factories
from tests.dispensing.conftest import verified_batch
from tests.formulary.factories import (
    GABAPENTIN_300_NDC,
    load_products,
    prescription,
    receive_ndc_lot,
)

FILL_DAY = date(2026, 11, 18)  # a Wednesday
NEXT_DAY = date(2026, 11, 19)
PHARMACY = {"LIENRX_PHARMACY_NPI": "1003000126", "LIENRX_PHARMACY_DEA": "AP5836727",
            "LIENRX_PHARMACY_ADDRESS": "100 Main St, Nashville, TN 37203",
            "LIENRX_PHARMACY_PHONE": "(615) 555-0100", "LIENRX_PHARMACY_NCPDP": "4412345"}
KETAMINE_POWDER_NDC = "38779046605"  # the ketamine lot's NDC (tests.formulary.factories.BULK_NDC)


def at(day: date, hour: int = 15) -> datetime:
    """An afternoon moment of a pharmacy-local day."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=clock.timezone()).astimezone(UTC)


@pytest.fixture(autouse=True)
def pharmacy(app: Any, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The pharmacy's identity, as production must configure it."""
    for key, value in PHARMACY.items():
        monkeypatch.setitem(app.config, key, value)
    return PHARMACY


@pytest.fixture
def rph(api_as: Any) -> Any:
    return api_as("pharmacist")


@dataclass
class Day:
    """What a day of fills made: dispense ids by what they are."""

    cream: int
    zolpidem_partial: int
    gabapentin: int
    amitriptyline: int
    zolpidem_rx: int
    cream_rx: int
    patient_ids: dict[str, int]


SEXES = {"cream": "female", "zolpidem": "male", "gabapentin": None, "amitriptyline": "unknown"}


def new_case(firm: Any, doctor: Any, *, address: str | None, name: str,
             sex: str | None = None) -> tuple[int, int]:
    patient = factories.patient(address=address, last_name=name, sex=sex)
    opened = factories.case(firm, patient_id=patient.id)
    return opened.id, patient.id


def fill(client: Any, rx: int, quantity: int | str, days: int, **extra: Any) -> int:
    response = client.post("/api/v1/dispenses", json={
        "prescription_id": rx, "quantity": quantity, "days_supply": days, **extra})
    assert response.status_code == 201, response.json
    return int(response.json["id"])


def build_day(app: Any, rph: Any, *, addresses: dict[str, str | None] | None = None,
              doctor_dea: str | None = factories.VALID_DEA,
              deliveries: dict[str, dict[str, str]] | None = None) -> Day:
    """On FILL_DAY: ketamine cream from a batch, a partial zolpidem fill, gabapentin, and
    amitriptyline (not controlled anywhere), each for its own patient (sexes: ``SEXES``),
    picked up unless ``deliveries`` gives other delivery fields (method, state)."""
    addresses = {"cream": "12 Oak St, Nashville, TN 37203",
                 "zolpidem": "9 Elm Ave Apt 2, Memphis, TN 38103",
                 "gabapentin": "77 Pine Rd\nKnoxville, TN 37902-1234",
                 "amitriptyline": "5 Ash Ct, Franklin, TN 37064", **(addresses or {})}
    clock.freeze(at(FILL_DAY, 9))
    with app.app_context():
        load_products("KET-CRM-10", "ZOLP-TAB-10", "GABA-CAP-300", "AMIT-TAB-10")
        firm = factories.law_firm()
        doctor = factories.prescriber(dea_number=doctor_dea)
        cases, patients = {}, {}
        for kind, address in addresses.items():
            cases[kind], patients[kind] = new_case(firm, doctor, address=address,
                                                   name=f"Rivera{kind.title()}",
                                                   sex=SEXES.get(kind))
        rx = {kind: prescription(cases[kind], doctor.id, code, quantity=Decimal(qty),
                                 days_supply=30, refills_authorized=refills, source="written",
                                 sig="Use as directed").id
              for kind, code, qty, refills in (("cream", "KET-CRM-10", 30, 2),
                                               ("zolpidem", "ZOLP-TAB-10", 30, 0),
                                               ("gabapentin", "GABA-CAP-300", 90, 1),
                                               ("amitriptyline", "AMIT-TAB-10", 30, 0))}
        batch = verified_batch("KET-CRM-10", 120, factories.user("technician"),
                               factories.user("pharmacist"))
        lots = {ndc: receive_ndc_lot(ndc, lot).lot_number
                for ndc, lot in (("0093-0074-01", "ZP100"), (GABAPENTIN_300_NDC, "GB2291A"))}
        db.session.commit()
    clock.freeze(at(FILL_DAY, 14))
    how = deliveries or {}
    day = Day(cream=fill(rph, rx["cream"], 30, 30, compounding_record_id=batch,
                         **how.get("cream", {})),
              zolpidem_partial=fill(rph, rx["zolpidem"], 10, 10, ndc="0093-0074-01",
                                    lot_number=lots["0093-0074-01"],
                                    **how.get("zolpidem", {})),
              gabapentin=fill(rph, rx["gabapentin"], 90, 30, ndc=GABAPENTIN_300_NDC,
                              lot_number=lots[GABAPENTIN_300_NDC],
                              **how.get("gabapentin", {})),
              amitriptyline=fill(rph, rx["amitriptyline"], 30, 30, ndc="0603-2212-21",
                                 **how.get("amitriptyline", {})),
              zolpidem_rx=rx["zolpidem"], cream_rx=rx["cream"], patient_ids=patients)
    return day


@pytest.fixture
def day(app: Any, rph: Any) -> Day:
    return build_day(app, rph)


def after(day_: date) -> None:
    """Move the clock to the evening of ``day_``."""
    clock.freeze(at(day_, 19))
