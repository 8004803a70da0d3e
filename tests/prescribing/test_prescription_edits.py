"""Editing a prescription after entry (issue 19). A prescription is a legal record: before
anything is dispensed against it a transcription error may be corrected, with a reason, and
DUR reviews it again; once dispensed against, nothing of it changes and a pharmacist records
a clarification beside it (who, when, why)."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from lienrx.audit.models import AuditEvent
from lienrx.core import clock
from lienrx.core.errors import Conflict
from lienrx.dispensing import services as dispensing
from lienrx.extensions import db
from lienrx.prescribing import edits
from lienrx.prescribing.models import Prescription, PrescriptionAnnotation
from tests import factories
from tests.formulary.factories import (
    GABAPENTIN_300_NDC,
    INDICATION,
    load_products,
    prescription,
    receive_ndc_lot,
)
from tests.staff.conftest import sign_in, text

SIG = "Take 1 capsule by mouth three times daily"


@pytest.fixture
def staff(app):
    return lambda role: sign_in(app, role)


@pytest.fixture
def rx_id(app, world):
    with app.app_context():
        load_products("GABA-CAP-300")
        rx = prescription(world.case_id, world.prescriber_id, "GABA-CAP-300", sig=SIG,
                          quantity=Decimal(90), days_supply=30)
        db.session.commit()
        return rx.id


def dispense_some(app, rx_id, quantity=30):
    with app.app_context():
        dispensing.dispense(factories.user("pharmacist"), dispensing.DispenseRequest(
            prescription_id=rx_id, quantity=Decimal(quantity), days_supply=10,
            ndc=GABAPENTIN_300_NDC,
            lot_number=receive_ndc_lot(GABAPENTIN_300_NDC, "GB2291A").lot_number))
        db.session.commit()


def correction(**changes):
    return {"sig": SIG, "indication": INDICATION, "quantity": "90", "days_supply": "30",
            "refills_authorized": "0", "written_on": clock.today().isoformat(), "source": "",
            "diagnosis_codes": ["G90.511"], "reason": "", **changes}


def events(app, action):
    with app.app_context():
        return db.session.execute(sa.select(AuditEvent.details).where(
            AuditEvent.action == action)).scalars().all()


def test_prescription_dispensed_against_cannot_change_drug_or_quantity(app, staff, rx_id):
    dispense_some(app, rx_id)
    rph = staff("pharmacist")
    page = rph.get(f"/staff/prescriptions/{rx_id}/edit").get_data(as_text=True)
    assert "Correct the prescription as entered" not in page
    assert 'name="product_id"' not in page and 'name="prescriber_id"' not in page
    assert "Record clarification" in page
    response = rph.post(f"/staff/prescriptions/{rx_id}/edit",
                        data=correction(quantity="120", reason="Prescriber wrote 120"))
    assert response.status_code == 409
    assert "Something was dispensed against this prescription" in text(response)
    with app.app_context():
        assert db.session.get(Prescription, rx_id).quantity == Decimal(90)
        with pytest.raises(Conflict):
            edits.edit_prescription(factories.user("pharmacist"), rx_id,
                                    quantity=Decimal(120), reason="typo")
        with pytest.raises(TypeError):  # the drug is never an editable field
            edits.edit_prescription(factories.user("pharmacist"), rx_id, product_id=1,
                                    reason="typo")
    assert events(app, "prescription.edited") == []


def test_prescription_before_fill_correction_recomputes_expiry_and_reruns_dur(
        app, staff, rx_id):
    with app.app_context():
        before = db.session.get(Prescription, rx_id).expires_on
    written = clock.today() - timedelta(days=10)
    response = staff("pharmacist").post(
        f"/staff/prescriptions/{rx_id}/edit", follow_redirects=True,
        data=correction(quantity="60", days_supply="20", written_on=written.isoformat(),
                        sig="Take 1 capsule by mouth three times daily with food",
                        reason="Entered from the wrong fax page"))
    assert response.status_code == 200
    assert "corrected; DUR reviewed it again" in text(response)
    with app.app_context():
        rx = db.session.get(Prescription, rx_id)
        assert (rx.quantity, rx.days_supply, rx.written_on) == (Decimal(60), 20, written)
        assert rx.expires_on == before - timedelta(days=10)
    [details] = events(app, "prescription.edited")
    assert details["fields"] == ["days_supply", "expires_on", "quantity", "sig", "written_on"]
    assert details["changes"] == {"quantity": ["90", "60"], "days_supply": [30, 20]}
    assert details["reason"] == "Entered from the wrong fax page"
    assert "food" not in json.dumps(details)


def test_prescription_correction_needs_a_reason(app, staff, rx_id):
    response = staff("pharmacist").post(f"/staff/prescriptions/{rx_id}/edit",
                                        data=correction(quantity="60"))
    assert response.status_code == 422
    assert "Reason for the correction:" in text(response)
    assert 'id="f-reason-error"' in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Prescription, rx_id).quantity == Decimal(90)


def test_prescription_correction_keeps_the_dose_and_sig_consistent(app, staff, rx_id):
    response = staff("pharmacist").post(
        f"/staff/prescriptions/{rx_id}/edit",
        data=correction(**{"dose.amount": "600", "dose.unit": "mg", "dose.times_per_day": "3",
                           "reason": "Dose added from the original"}))
    assert response.status_code == 422
    assert 'id="f-sig-error"' in response.get_data(as_text=True)


def test_annotation_keeps_the_prescription_as_written_with_who_when_why(app, staff, rx_id):
    dispense_some(app, rx_id)
    rph = staff("pharmacist")
    response = rph.post(f"/staff/prescriptions/{rx_id}/annotations",
                        data={"note-note": "Prescriber confirmed: take with food",
                              "note-reason": "Called the office on the fill date"})
    assert response.status_code == 302
    with app.app_context():
        rx = db.session.get(Prescription, rx_id)
        assert rx.sig == SIG
        [note] = db.session.execute(sa.select(PrescriptionAnnotation)).scalars().all()
        assert (note.annotated_by_user_id, note.reason) == (
            rph.user_id, "Called the office on the fill date")
        assert note.annotated_at is not None
    page = text(rph.get(f"/staff/prescriptions/{rx_id}"))
    assert "Prescriber confirmed: take with food" in page
    [details] = events(app, "prescription.annotated")
    assert "food" not in json.dumps(details)


def test_annotation_needs_the_note_and_its_reason(staff, rx_id):
    response = staff("pharmacist").post(f"/staff/prescriptions/{rx_id}/annotations",
                                        data={"note-note": "Confirmed dose"})
    assert response.status_code == 422
    assert "Reason: This field is required." in text(response)


def test_only_a_pharmacist_corrects_a_prescription(staff, rx_id):
    tech = staff("technician")
    assert tech.get(f"/staff/prescriptions/{rx_id}/edit").status_code == 403
    assert tech.post(f"/staff/prescriptions/{rx_id}/edit",
                     data=correction(reason="x")).status_code == 403
