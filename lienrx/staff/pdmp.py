"""PDMP reports: generate a day's ASAP file, download it, record how it went to the state
and the state's answer, or send it by SFTP when a server is configured."""

from __future__ import annotations

from typing import Any

from flask import Response, flash, redirect, render_template, url_for
from flask_login import current_user

from lienrx.core import clock, forms
from lienrx.core.security import ADMIN, PHARMACIST, require_roles
from lienrx.pdmp import queries as pdmp_queries
from lienrx.pdmp import services as pdmp
from lienrx.pdmp.profiles import PROFILES
from lienrx.pdmp.schemas import (
    SUBMISSION_METHODS,
    ReportCreateSchema,
    ResultSchema,
    SubmissionSchema,
)
from lienrx.staff.blueprint import bp

WHO = (PHARMACIST, ADMIN)


def _list_page(form: forms.Submission | None = None) -> Any:
    form = form or forms.blank(ReportCreateSchema(), report_date=clock.today().isoformat(),
                               state=pdmp.home_state())
    return render_template("staff/pdmp.html", reports=pdmp_queries.recent_reports(), form=form,
                           states=[(s, s) for s in sorted(PROFILES)]), form.status


def _report_page(report_id: int, form: forms.Submission | None = None) -> Any:
    form = form or forms.blank()
    report = pdmp.read_report(current_user, report_id)
    return render_template("staff/pdmp_report.html", r=report, form=form,
                           methods=[(m, m) for m in SUBMISSION_METHODS],
                           sftp=pdmp.sftp_configured()), form.status


@bp.route("/pdmp")
@require_roles(*WHO)
def pdmp_reports() -> Any:
    """List PDMP reports with their status, and the form to generate one."""
    return _list_page()


@bp.route("/pdmp", methods=["POST"])
@require_roles(*WHO)
def generate_pdmp_report() -> Any:
    """Generate a state's report for a date."""
    form = forms.Submission.load(ReportCreateSchema(), forms.read(("report_date", "state")))
    report = form.call(pdmp.generate, current_user)
    if report is None:
        return _list_page(form)
    kind = "a zero report" if report.zero_report else f"{report.record_count} records"
    left_out = f"; {len(report.problems)} left out (see below)" if report.problems else ""
    flash(f"{report.state} report for {report.report_date}: {kind}{left_out}.", "info")
    return redirect(url_for("staff.pdmp_report", report_id=report.id))


@bp.route("/pdmp/<int:report_id>")
@require_roles(*WHO)
def pdmp_report(report_id: int) -> Any:
    """Show one report: its records left out, its status and the actions."""
    return _report_page(report_id)


@bp.route("/pdmp/<int:report_id>/file")
@require_roles(*WHO)
def pdmp_report_file(report_id: int) -> Any:
    """Download the ASAP file."""
    report = pdmp.read_file(current_user, report_id)
    return Response(report.content, mimetype="text/plain", headers={
        "Content-Disposition": f'attachment; filename="{pdmp.file_name(report)}"'})


@bp.route("/pdmp/<int:report_id>/submission", methods=["POST"])
@require_roles(*WHO)
def submit_pdmp_report(report_id: int) -> Any:
    """Record that the file was sent to the state."""
    form = forms.Submission.load(SubmissionSchema(), forms.read(("method",)))
    if form.call(pdmp.mark_submitted, current_user, report_id) is None:
        return _report_page(report_id, form)
    flash("Marked submitted.", "info")
    return redirect(url_for("staff.pdmp_report", report_id=report_id))


@bp.route("/pdmp/<int:report_id>/upload", methods=["POST"])
@require_roles(*WHO)
def upload_pdmp_report(report_id: int) -> Any:
    """Send the file to the configured SFTP server and mark it submitted."""
    form = forms.Submission({})
    if form.attempt(pdmp.upload, current_user, report_id) is None:
        return _report_page(report_id, form)
    flash("Sent by SFTP and marked submitted.", "info")
    return redirect(url_for("staff.pdmp_report", report_id=report_id))


@bp.route("/pdmp/<int:report_id>/result", methods=["POST"])
@require_roles(*WHO)
def pdmp_report_result(report_id: int) -> Any:
    """Record the state's answer: accepted, or rejected with its error text."""
    form = forms.Submission.load(ResultSchema(), forms.read(("accepted", "errors")))
    if form.call(pdmp.record_result, current_user, report_id) is None:
        return _report_page(report_id, form)
    flash("The state's answer is recorded.", "info")
    return redirect(url_for("staff.pdmp_report", report_id=report_id))
