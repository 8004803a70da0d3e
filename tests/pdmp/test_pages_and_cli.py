"""The pharmacist's PDMP page, the work queue's PDMP lines, and `lienrx pdmp report`."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from lienrx.core import clock
from lienrx.extensions import db
from lienrx.pdmp import queries as pdmp_queries
from lienrx.pdmp import services
from tests.pdmp.asap_validator import assert_valid
from tests.pdmp.conftest import FILL_DAY, at
from tests.staff.conftest import sign_in, text

MONDAY = date(2026, 11, 23)


def test_pharmacist_generates_a_report_on_the_page_and_sees_its_records_left_out(app, rph,
                                                                               day):
    clock.freeze(at(FILL_DAY, 19))
    page = sign_in(app, "pharmacist")
    listing = page.get("/staff/pdmp").get_data(as_text=True)
    assert "Generate a report" in listing and 'href="/staff/pdmp"' in listing
    made = page.post("/staff/pdmp", data={"report_date": "2026-11-18", "state": "TN"})
    assert made.status_code == 302
    report = page.get(made.headers["Location"]).get_data(as_text=True)
    assert "3 records" in report
    assert "Records left out" in report and "None: every reportable record is in the file" \
        in report
    assert report.count("new (00)") == 3  # the records in the file, one row each
    assert "Mark submitted" in report


def test_generate_form_shows_field_errors_by_label(app):
    clock.freeze(at(FILL_DAY, 19))
    page = sign_in(app, "pharmacist")
    response = page.post("/staff/pdmp", data={"report_date": "2026-11-30", "state": "TN"})
    assert response.status_code == 422
    assert "Report date: A report covers a day that has begun" in \
        response.get_data(as_text=True)


def test_result_form_needs_the_states_error_text_for_a_rejection(app):
    clock.freeze(at(FILL_DAY, 19))
    with app.app_context():
        made = services.generate(None, report_date=FILL_DAY)
        db.session.commit()
        made_id = made.id
    page = sign_in(app, "pharmacist")
    page.post(f"/staff/pdmp/{made_id}/submission", data={"method": "upload"})
    refused = page.post(f"/staff/pdmp/{made_id}/result", data={"accepted": "false"})
    assert refused.status_code == 422
    assert "The state&#39;s error text" in refused.get_data(as_text=True)
    assert page.post(f"/staff/pdmp/{made_id}/result", data={
        "accepted": "false", "errors": "PAT16 invalid"}).status_code == 302


def test_technicians_and_billing_do_not_reach_the_pdmp_page(app):
    for role in ("technician", "billing"):
        assert sign_in(app, role).get("/staff/pdmp").status_code == 403


def test_work_queue_lists_each_past_business_day_without_a_submitted_report(app, rph, day):
    clock.freeze(at(MONDAY, 10))
    with app.app_context():  # Wednesday's report went to the state; Thursday's did not
        sent = services.generate(None, report_date=FILL_DAY)
        db.session.commit()
        sent_id = sent.id
    rph.post(f"/api/v1/pdmp/reports/{sent_id}/submission", json={"method": "upload"})
    queue = text(sign_in(app, "pharmacist").get("/staff/?stage=pdmp"))
    assert "PDMP reports 2 " in queue
    assert "2026-11-18" not in queue
    assert "PDMP 2026-11-19 2026-11-19 2026-11-20 No report submitted; due 2026-11-20 (overdue)" \
        in queue
    assert "PDMP 2026-11-20 2026-11-20 2026-11-23 No report submitted; due 2026-11-23 " \
        in queue  # due today
    assert "2026-11-21" not in queue and "2026-11-22" not in queue  # the weekend


def test_work_queue_lists_a_rejected_report_until_a_later_one_is_submitted(app, rph):
    clock.freeze(at(FILL_DAY, 19))
    ids = []
    for _ in range(2):
        with app.app_context():
            ids.append(services.generate(None, report_date=FILL_DAY).id)
            db.session.commit()
    rph.post(f"/api/v1/pdmp/reports/{ids[0]}/submission", json={"method": "upload"})
    rph.post(f"/api/v1/pdmp/reports/{ids[0]}/result",
             json={"accepted": False, "errors": "E1"})
    page = sign_in(app, "pharmacist")
    assert "Rejected by the state" in page.get("/staff/").get_data(as_text=True)
    rph.post(f"/api/v1/pdmp/reports/{ids[1]}/submission", json={"method": "upload"})
    assert "Rejected by the state" not in page.get("/staff/").get_data(as_text=True)


def test_cli_writes_the_days_report_to_the_file_and_logs_it(app, runner, rph, day, tmp_path):
    clock.freeze(at(FILL_DAY, 23))
    out = tmp_path / "tn.dat"
    result = runner.invoke(args=["pdmp", "report", "--date", "2026-11-18", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "3 records" in result.output
    assert_valid(Path(out).read_text())
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    with app.app_context():
        assert [r.record_count for r in pdmp_queries.recent_reports()] == [3]


def test_cli_names_the_refusal_and_writes_nothing(app, runner, tmp_path):
    clock.freeze(at(FILL_DAY, 23))
    out = tmp_path / "x.dat"
    result = runner.invoke(args=["pdmp", "report", "--date", "2026-11-18", "--state", "ZZ",
                                 "--out", str(out)])
    assert result.exit_code == 1 and "No PDMP profile for ZZ" in result.output
    assert not out.exists()
