"""Editing a prescriber after registration (issue 19): the NPI and DEA number are checked as
at registration, errors sit next to their fields, and the audit event keeps old and new
values (a prescriber's public NPI record is no patient's information)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from lienrx.audit.models import AuditEvent
from lienrx.extensions import db
from lienrx.parties.models import Prescriber
from tests import factories
from tests.staff.conftest import sign_in, text

NEW_NPI = "1987654302"  # not among the factories' NPIs, so never the world's


@pytest.fixture
def staff(app):
    return lambda role: sign_in(app, role)


def form_of(app, prescriber_id, **changes):
    with app.app_context():
        p = db.session.get(Prescriber, prescriber_id)
        values = {"first_name": p.first_name, "last_name": p.last_name,
                  "credential": p.credential or "", "npi": p.npi,
                  "dea_number": p.dea_number or "", "state_license": p.state_license or "",
                  "specialty": p.specialty or "", "address": p.address or "",
                  "phone": p.phone or ""}
    return {**values, **changes}


def test_prescriber_edit_page_shows_the_current_values(app, staff, world):
    page = staff("technician").get(f"/staff/prescribers/{world.prescriber_id}/edit")
    assert page.status_code == 200
    with app.app_context():
        npi = db.session.get(Prescriber, world.prescriber_id).npi
    assert f'value="{npi}"' in page.get_data(as_text=True)


def test_prescriber_edit_audits_old_and_new_values(app, staff, world):
    with app.app_context():
        old_npi = db.session.get(Prescriber, world.prescriber_id).npi
    response = staff("pharmacist").post(
        f"/staff/prescribers/{world.prescriber_id}/edit",
        data=form_of(app, world.prescriber_id, last_name="Paine", npi=NEW_NPI,
                     credential="DO", address="200 Clinic Way, Nashville TN",
                     phone="615-555-0142",
                     reason="NPI registry lookup"))
    assert response.status_code == 302
    with app.app_context():
        prescriber = db.session.get(Prescriber, world.prescriber_id)
        assert (prescriber.last_name, prescriber.npi, prescriber.credential) == (
            "Paine", NEW_NPI, "DO")
        event = db.session.execute(sa.select(AuditEvent).where(
            AuditEvent.action == "prescriber.edited")).scalar_one()
    assert event.details == {
        "fields": ["address", "credential", "last_name", "npi", "phone"],
        "changes": {"last_name": ["Pain", "Paine"], "npi": [old_npi, NEW_NPI],
                    "credential": [None, "DO"],
                    "address": [None, "200 Clinic Way, Nashville TN"],
                    "phone": [None, "615-555-0142"]},
        "reason": "NPI registry lookup"}


def test_prescriber_edit_refuses_an_invalid_npi_next_to_the_field(app, staff, world):
    response = staff("technician").post(f"/staff/prescribers/{world.prescriber_id}/edit",
                                        data=form_of(app, world.prescriber_id,
                                                     npi="1234567890"))
    assert response.status_code == 422
    assert re.search(r'id="f-npi-error">Not a valid NPI', response.get_data(as_text=True))
    assert "NPI: Not a valid NPI" in text(response)


def test_prescriber_edit_refuses_another_prescribers_npi(app, staff, world):
    with app.app_context():
        other = factories.prescriber(npi=NEW_NPI).npi
        db.session.commit()
    response = staff("technician").post(f"/staff/prescribers/{world.prescriber_id}/edit",
                                        data=form_of(app, world.prescriber_id, npi=other))
    assert response.status_code == 422
    assert "NPI: A prescriber with this NPI is already registered." in text(response)


def test_prescriber_edit_refuses_an_invalid_dea_number(app, staff, world):
    response = staff("technician").post(f"/staff/prescribers/{world.prescriber_id}/edit",
                                        data=form_of(app, world.prescriber_id,
                                                     dea_number="AP5836728"))
    assert response.status_code == 422
    assert "DEA number: Not a valid prescriber DEA number" in text(response)


def test_billing_cannot_edit_a_prescriber(staff, world):
    assert staff("billing").get(f"/staff/prescribers/{world.prescriber_id}/edit"
                                ).status_code == 403
