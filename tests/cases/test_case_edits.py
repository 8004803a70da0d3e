"""Editing a case after it was opened (issue 19): the file number and the facts of the
injury, with a reason for a fact of the injury; not on a closed case; signed attestations
stay as signed; the audit names the fields and shows values only for the codes."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from lienrx.attestations import services as attestations
from lienrx.attestations.models import Attestation
from lienrx.audit.models import AuditEvent
from lienrx.cases.models import Case
from lienrx.core import clock
from lienrx.extensions import db
from tests import factories
from tests.staff.conftest import sign_in, text


@pytest.fixture
def staff(app):
    return lambda role: sign_in(app, role)


def form_of(app, case_id, **changes):
    with app.app_context():
        case = db.session.get(Case, case_id)
        values = {"firm_file_number": case.firm_file_number or "",
                  "date_of_injury": case.date_of_injury.isoformat(),
                  "injury_mechanism": case.injury_mechanism,
                  "mechanism_narrative": case.mechanism_narrative or "",
                  "jurisdiction": case.jurisdiction, "reason": ""}
    return {**values, **changes}


def edited(app):
    with app.app_context():
        return db.session.execute(sa.select(AuditEvent.details).where(
            AuditEvent.action == "case.edited")).scalars().all()


def test_case_edit_of_injury_facts_needs_a_reason(app, staff, world):
    injured = (clock.today() - timedelta(days=120)).isoformat()
    billing = staff("billing")
    response = billing.post(f"/staff/cases/{world.case_id}/edit",
                            data=form_of(app, world.case_id, date_of_injury=injured))
    assert response.status_code == 422
    assert re.search(r'id="f-reason-error">Say why', response.get_data(as_text=True))
    assert "Reason for the change: Say why the facts of the injury change" in text(response)
    response = billing.post(f"/staff/cases/{world.case_id}/edit", data=form_of(
        app, world.case_id, date_of_injury=injured, reason="Police report gives this date"))
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Case, world.case_id).date_of_injury.isoformat() == injured


def test_case_file_number_alone_changes_without_a_reason(app, staff, world):
    response = staff("pharmacist").post(f"/staff/cases/{world.case_id}/edit",
                                        data=form_of(app, world.case_id,
                                                     firm_file_number="HM-2026-0042"))
    assert response.status_code == 302
    assert edited(app) == [{"fields": ["firm_file_number"], "changes": {}}]


def test_case_edit_audits_codes_old_and_new_and_names_phi_fields_only(app, staff, world):
    staff("billing").post(f"/staff/cases/{world.case_id}/edit", data=form_of(
        app, world.case_id, injury_mechanism="slip_and_fall", jurisdiction="KY",
        mechanism_narrative="Fell on the wet floor of a grocery store",
        date_of_injury=(clock.today() - timedelta(days=100)).isoformat(),
        reason="Client's intake call"))
    [details] = edited(app)
    assert details["fields"] == ["date_of_injury", "injury_mechanism", "jurisdiction",
                                 "mechanism_narrative"]
    assert details["changes"] == {"injury_mechanism": ["motor_vehicle", "slip_and_fall"],
                                  "jurisdiction": ["TN", "KY"]}
    assert details["reason"] == "Client's intake call"
    assert "grocery" not in json.dumps(details)
    assert str(clock.today().year) not in json.dumps(details["changes"])


def test_signed_attestation_stays_as_signed_after_the_date_of_injury_changes(
        app, staff, world):
    with app.app_context():
        signed = attestations.issue_attestation(factories.user("pharmacist"), world.case_id)
        before = (signed.id, signed.document_json, signed.sha256)
        db.session.commit()
    injured = (clock.today() - timedelta(days=200)).isoformat()
    response = staff("billing").post(f"/staff/cases/{world.case_id}/edit", data=form_of(
        app, world.case_id, date_of_injury=injured, reason="Corrected from the ER record"))
    assert response.status_code == 302
    with app.app_context():
        kept = db.session.get(Attestation, before[0])
        assert (kept.id, kept.document_json, kept.sha256) == before
        assert injured not in kept.document_json
    page = text(staff("billing").get(f"/staff/cases/{world.case_id}/edit"))
    assert "POGOS attestations already signed stay exactly as they were signed" in page


def test_closed_case_is_not_edited(app, staff, world):
    with app.app_context():
        closed = factories.case(factories.law_firm())
        factories.close(closed.id, "no_recovery")
        db.session.commit()
        closed_id = closed.id
    billing = staff("billing")
    assert "This case is closed" in text(billing.get(f"/staff/cases/{closed_id}/edit"))
    response = billing.post(f"/staff/cases/{closed_id}/edit",
                            data=form_of(app, closed_id, firm_file_number="X-1"))
    assert response.status_code == 409
    assert "This case is closed" in text(response)


def test_technician_cannot_edit_a_case(staff, world):
    assert staff("technician").get(f"/staff/cases/{world.case_id}/edit").status_code == 403
