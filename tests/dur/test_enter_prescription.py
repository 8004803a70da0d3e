"""Entering a prescription is one use case (entry + DUR review), whoever enters it."""

from __future__ import annotations

import pytest

from lienrx.core import clock
from lienrx.core.errors import ValidationFailed
from lienrx.dur import services as dur
from lienrx.dur import use_cases
from lienrx.extensions import db
from lienrx.prescribing.models import Prescription
from tests.formulary.factories import (
    INDICATION,
    RX_DEFAULTS,
    load_products,
    prescription,
    product_id,
)
from tests.staff.conftest import sign_in


def fields(world, code, **extra):
    return {**RX_DEFAULTS, "case_id": world.case_id, "prescriber_id": world.prescriber_id,
            "product_id": product_id(code), "written_on": clock.today(), **extra}


def test_entry_runs_dur_and_returns_the_alerts_it_stored(ctx, world):
    load_products("GABA-CAP-300", "PREG-CAP-75")
    prescription(world.case_id, world.prescriber_id, "GABA-CAP-300")
    entered = use_cases.enter_prescription(None, **fields(world, "PREG-CAP-75"))
    (alert,) = entered.dur_alerts
    assert alert.kind == "duplicate_therapy" and alert.prescription_id == entered.id
    assert [a.id for a in dur.alerts_for(entered.id)] == [alert.id]


def test_a_refused_entry_runs_no_review(ctx, world):
    load_products("ZOLP-TAB-10")
    with pytest.raises(ValidationFailed):
        use_cases.enter_prescription(None, **fields(world, "ZOLP-TAB-10", refills_authorized=6))
    assert db.session.query(Prescription).count() == 0


@pytest.fixture
def spy(monkeypatch):
    calls = []
    real = use_cases.enter_prescription

    def recording(actor, **body):
        calls.append(actor.role)
        return real(actor, **body)

    monkeypatch.setattr(use_cases, "enter_prescription", recording)
    return calls


def test_the_api_and_the_page_enter_through_the_use_case(app, world, api_as, spy):
    with app.app_context():
        load_products("GABA-CAP-300")
        gaba = product_id("GABA-CAP-300")
        db.session.commit()
    body = {"case_id": world.case_id, "prescriber_id": world.prescriber_id, "product_id": gaba,
            "sig": "As directed", "quantity": 60, "days_supply": 30,
            "written_on": clock.today().isoformat(), "diagnosis_codes": ["G90.511"],
            "indication": INDICATION}
    assert api_as("technician").post("/api/v1/prescriptions", json=body).status_code == 201
    page = sign_in(app, "pharmacist")
    form = {**body, "quantity": "60", "days_supply": "30", "refills_authorized": "0"}
    response = page.post(f"/staff/cases/{world.case_id}/prescriptions/new", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert spy == ["technician", "pharmacist"]

