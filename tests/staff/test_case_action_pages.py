"""Actions on a case and a prescription from the staff pages: outside treatments, hold and
resume, substitution of counsel (what the old firm loses, shown first) and cancel."""

import sqlalchemy as sa

from lienrx.cases.models import Case, CounselChange, ExternalTreatment, LienAgreement
from lienrx.core import clock
from lienrx.extensions import db
from lienrx.parties.models import LawFirm
from lienrx.prescribing.models import Prescription
from tests import factories
from tests.dispensing.conftest import counter  # noqa: F401
from tests.staff.conftest import text
from tests.staff.test_intake_pages import error_of


def case_row(app, case_id):
    with app.app_context():
        case = db.session.get(Case, case_id)
        return case.status, case.law_firm_id


def test_outside_treatment_is_recorded_from_the_case_page_and_listed(app, staff, world):
    rph, page = staff("pharmacist"), f"/staff/cases/{world.case_id}"
    assert "No outside treatment recorded." in text(rph.get(page))
    r = rph.post(f"{page}/external-treatments", data={
        "tx-kind": "iv_ketamine_infusion", "tx-started_on": clock.today().isoformat(),
        "tx-facility": "Mercy Infusion Center", "tx-protocol": "5 days, 4 h a day",
        "tx-dose": "0.5 mg/kg/h"})
    assert r.status_code == 302
    shown = text(rph.get(page))
    assert "iv ketamine infusion" in shown and "Mercy Infusion Center" in shown
    assert "0.5 mg/kg/h" in shown and "ongoing" in shown


def test_outside_treatment_errors_sit_next_to_their_fields(app, staff, world):
    page = f"/staff/cases/{world.case_id}"
    r = staff("billing").post(f"{page}/external-treatments", data={
        "tx-kind": "iv_ketamine_infusion", "tx-started_on": "2026-05-10",
        "tx-facility": "  "})
    assert r.status_code == 422
    assert error_of(r, "tx-facility") == "This field is required."
    r = staff("billing").post(f"{page}/external-treatments", data={
        "tx-kind": "iv_ketamine_infusion", "tx-started_on": "2026-05-10",
        "tx-ended_on": "2026-05-01", "tx-facility": "Mercy"})
    assert r.status_code == 422
    assert error_of(r, "tx-ended_on") == "The course ends before it starts."
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ExternalTreatment)) == 0


def test_technicians_cannot_record_outside_treatments(staff, world):
    r = staff("technician").post(f"/staff/cases/{world.case_id}/external-treatments",
                                 data={"tx-kind": "other"})
    assert r.status_code == 403


def test_hold_needs_a_reason_and_resume_returns_the_case_to_active(app, staff, world):
    desk, page = staff("billing"), f"/staff/cases/{world.case_id}"
    assert "Put on hold" in text(desk.get(page))
    r = desk.post(f"{page}/hold", data={"reason": ""})
    assert r.status_code == 422 and error_of(r, "reason") == "This field is required."
    assert case_row(app, world.case_id)[0] == "active"
    assert desk.post(f"{page}/hold", data={"reason": "Client unreachable"}).status_code == 302
    assert case_row(app, world.case_id)[0] == "on_hold"
    shown = text(desk.get(f"{page}/resume"))
    assert "The case becomes active again" in shown
    assert desk.post(f"{page}/resume").status_code == 302
    assert case_row(app, world.case_id)[0] == "active"


def test_resuming_a_case_not_on_hold_is_refused_with_the_reason(staff, world):
    r = staff("billing").post(f"/staff/cases/{world.case_id}/resume")
    assert r.status_code == 409 and "is not on hold" in text(r)


def test_substitution_page_shows_what_the_old_firm_loses_before_confirming(app, staff, world):
    with app.app_context():
        old = db.session.get(LawFirm, world.firm_id).name
        new_firm = factories.law_firm("Baker & Lane LLP")
        db.session.commit()
        new_id = new_firm.id
    desk, page = staff("billing"), f"/staff/cases/{world.case_id}/substitution"
    assert "Baker & Lane LLP" in text(desk.get(page))
    r = desk.post(page, data={"law_firm_id": str(new_id)})
    assert r.status_code == 200
    shown = text(r)
    assert f"{old} loses access to this case at once" in shown
    assert f"HIPAA authorization naming {old} does not carry over to Baker & Lane LLP" in shown
    assert "only once an authorization naming Baker & Lane LLP is put on file" in shown
    assert "is superseded: nothing more is charged to the case until a new agreement" in shown
    assert "The case goes from active back to intake." in shown
    assert case_row(app, world.case_id) == ("active", world.firm_id)  # nothing changed yet
    r = desk.post(page, data={"law_firm_id": str(new_id), "confirmed": "yes"})
    assert r.status_code == 302
    assert case_row(app, world.case_id) == ("intake", new_id)
    with app.app_context():
        assert db.session.scalar(sa.select(LienAgreement.status)
                                 .where(LienAgreement.case_id == world.case_id)) == "superseded"
        assert db.session.scalar(sa.select(CounselChange.to_law_firm_id)) == new_id


def test_substitution_to_the_same_firm_is_refused_at_the_first_step(app, staff, world):
    r = staff("billing").post(f"/staff/cases/{world.case_id}/substitution",
                              data={"law_firm_id": str(world.firm_id)})
    assert r.status_code == 422
    assert error_of(r, "law_firm_id") == "The case is already with this firm."


def test_prescription_cancel_page_says_what_stops_and_needs_a_reason(app, staff,
                                                                   counter):  # noqa: F811
    rph, page = staff("pharmacist"), f"/staff/prescriptions/{counter.cream_rx}/cancel"
    shown = text(rph.get(page))
    assert "Nothing more is filled from this prescription: the 90 g left" in shown
    r = rph.post(page, data={"reason": ""})
    assert r.status_code == 422 and error_of(r, "reason") == "This field is required."
    r = rph.post(page, data={"reason": "Prescriber discontinued"})
    assert r.status_code == 302
    shown = text(rph.get(r.headers["Location"]))
    assert "cancelled" in shown and "Cancelled: Prescriber discontinued" in shown
    with app.app_context():
        assert db.session.get(Prescription, counter.cream_rx).status == "cancelled"
    r = rph.post(page, data={"reason": "Again"})
    assert r.status_code == 409 and "cannot be cancelled" in text(r)


def test_only_pharmacists_cancel_prescriptions(staff, counter):  # noqa: F811
    page = f"/staff/prescriptions/{counter.cream_rx}/cancel"
    assert staff("technician").post(page, data={"reason": "x"}).status_code == 403
    assert staff("billing").get(page).status_code == 403
