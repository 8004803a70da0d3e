"""The report log through the API (API.md second edition, PDMP rows)."""

from __future__ import annotations

import sqlalchemy as sa

from lienrx.audit.models import AuditEvent
from lienrx.extensions import db
from tests.pdmp.asap_validator import assert_valid
from tests.pdmp.conftest import FILL_DAY, after


def generate(client, **body):
    return client.post("/api/v1/pdmp/reports", json={"report_date": FILL_DAY.isoformat(),
                                                     **body})


def test_report_log_moves_from_generated_to_submitted_to_accepted(app, rph, day):
    after(FILL_DAY)
    made = generate(rph)
    assert made.status_code == 201
    body = made.json
    assert {k: body[k] for k in ("state", "report_date", "asap_version", "record_count",
                                 "zero_report", "status")} == {
        "state": "TN", "report_date": "2026-11-18", "asap_version": "4.2", "record_count": 3,
        "zero_report": False, "status": "generated"}
    file = rph.get(f"/api/v1/pdmp/reports/{body['id']}/file")
    assert file.status_code == 200 and file.mimetype == "text/plain"
    assert_valid(file.get_data(as_text=True))
    import hashlib
    assert hashlib.sha256(file.get_data()).hexdigest() == body["sha256"]
    sent = rph.post(f"/api/v1/pdmp/reports/{body['id']}/submission", json={"method": "upload"})
    assert sent.status_code == 200 and sent.json["status"] == "submitted"
    assert sent.json["submission_method"] == "upload"
    assert sent.json["submitted_by_user_id"] == rph.user_id
    answer = rph.post(f"/api/v1/pdmp/reports/{body['id']}/result", json={"accepted": True})
    assert answer.status_code == 200 and answer.json["status"] == "accepted"


def test_rejected_report_keeps_the_states_error_text(app, rph):
    after(FILL_DAY)
    report = generate(rph).json
    rph.post(f"/api/v1/pdmp/reports/{report['id']}/submission", json={"method": "other"})
    missing = rph.post(f"/api/v1/pdmp/reports/{report['id']}/result", json={"accepted": False})
    assert missing.status_code == 422 and "errors" in missing.json["errors"]
    rejected = rph.post(f"/api/v1/pdmp/reports/{report['id']}/result",
                        json={"accepted": False, "errors": "TH02 duplicate control number"})
    assert rejected.json["status"] == "rejected"
    assert rejected.json["rejection_errors"] == "TH02 duplicate control number"
    listed = rph.get("/api/v1/pdmp/reports?status=rejected").json
    assert [r["id"] for r in listed] == [report["id"]]


def test_invalid_transition_answers_409_for_a_second_submission_or_an_early_result(app, rph):
    after(FILL_DAY)
    report = generate(rph).json
    early = rph.post(f"/api/v1/pdmp/reports/{report['id']}/result", json={"accepted": True})
    assert early.status_code == 409 and early.json["code"] == "invalid_transition"
    assert rph.post(f"/api/v1/pdmp/reports/{report['id']}/submission",
                    json={"method": "sftp"}).status_code == 200
    twice = rph.post(f"/api/v1/pdmp/reports/{report['id']}/submission",
                     json={"method": "sftp"})
    assert twice.status_code == 409 and twice.json["code"] == "invalid_transition"


def test_submission_method_and_time_are_checked(app, rph):
    after(FILL_DAY)
    report = generate(rph).json
    bad = rph.post(f"/api/v1/pdmp/reports/{report['id']}/submission", json={"method": "fax"})
    assert bad.status_code == 422 and "method" in bad.json["errors"]
    early = rph.post(f"/api/v1/pdmp/reports/{report['id']}/submission",
                     json={"method": "upload", "submitted_at": "2026-11-17T10:00:00-06:00"})
    assert early.status_code == 422 and "submitted_at" in early.json["errors"]


def test_report_for_a_future_date_or_an_unknown_state_is_refused_422(app, rph):
    after(FILL_DAY)
    future = rph.post("/api/v1/pdmp/reports", json={"report_date": "2026-11-19"})
    assert future.status_code == 422 and "report_date" in future.json["errors"]
    unknown = generate(rph, state="ZZ")
    assert unknown.status_code == 422 and "state" in unknown.json["errors"]
    assert generate(rph, state="T1").status_code == 422


def test_pdmp_pharmacy_incomplete_409_names_the_missing_setting(app, rph, monkeypatch):
    monkeypatch.setitem(app.config, "LIENRX_PHARMACY_NPI", None)
    after(FILL_DAY)
    response = generate(rph)
    assert response.status_code == 409 and response.json["code"] == "pdmp_pharmacy_incomplete"
    assert "LIENRX_PHARMACY_NPI" in response.json["detail"]


def test_only_pharmacists_and_admins_reach_pdmp_reports(app, api_as):
    after(FILL_DAY)
    for role in ("technician", "billing", "attorney"):
        assert generate(api_as(role)).status_code == 403
        assert api_as(role).get("/api/v1/pdmp/reports").status_code == 403
    assert generate(api_as("admin")).status_code == 201


def test_unknown_report_answers_404(rph):
    assert rph.get("/api/v1/pdmp/reports/999/file").status_code == 404


def test_report_list_filters_by_state_dates_and_status(app, rph):
    after(FILL_DAY)
    generate(rph)
    assert len(rph.get("/api/v1/pdmp/reports?state=TN&from=2026-11-18&to=2026-11-18").json) == 1
    assert rph.get("/api/v1/pdmp/reports?from=2026-11-19").json == []
    assert rph.get("/api/v1/pdmp/reports?state=GA").json == []
    assert rph.get("/api/v1/pdmp/reports?status=done").status_code == 422


def test_the_file_is_encrypted_at_rest_and_every_read_of_it_is_audited(app, rph, day):
    after(FILL_DAY)
    report = generate(rph).json
    rph.get(f"/api/v1/pdmp/reports/{report['id']}/file")
    with app.app_context():
        stored = db.session.execute(sa.text(
            "SELECT content FROM pdmp_reports WHERE id = :id"), {"id": report["id"]}).scalar()
        assert "RiveraCream" not in stored and "PAT*" not in stored
        reads = db.session.execute(sa.select(AuditEvent).where(
            AuditEvent.action == "pdmp.report.read")).scalars().all()
        assert [(e.entity_id, e.actor_user_id) for e in reads] == [
            (str(report["id"]), rph.user_id)]
