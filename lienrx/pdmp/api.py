"""PDMP API: generate a state's ASAP report for a date, read the log and the file, record
its submission and the state's answer."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask_login import current_user

from lienrx.core.api import ApiBlueprint
from lienrx.core.security import ADMIN, PHARMACIST, require_roles
from lienrx.pdmp import services
from lienrx.pdmp.schemas import (
    ReportCreateSchema,
    ReportListArgs,
    ReportSchema,
    ResultSchema,
    SubmissionSchema,
)

blp = ApiBlueprint("pdmp_api", __name__, description="PDMP reporting (ASAP 4.2)")


@blp.route("/pdmp/reports", methods=["POST"])
@require_roles(PHARMACIST, ADMIN)
@blp.arguments(ReportCreateSchema)
@blp.response(201, ReportSchema)
def generate_report(body: dict[str, Any]) -> Any:
    """Generate the ASAP file of a state (default: the pharmacy's) for a date."""
    return services.generate(current_user, **body)


@blp.route("/pdmp/reports", methods=["GET"])
@require_roles(PHARMACIST, ADMIN)
@blp.arguments(ReportListArgs, location="query")
@blp.response(200, ReportSchema(many=True))
def list_reports(args: dict[str, Any]) -> Any:
    """The report log, newest report date first."""
    return services.list_reports(current_user, **args)


@blp.route("/pdmp/reports/<int:report_id>/file", methods=["GET"])
@require_roles(PHARMACIST, ADMIN)
@blp.response(200, {"type": "string"}, content_type="text/plain")
def report_file(report_id: int) -> Any:
    """The ASAP file itself (PHI: audited)."""
    report = services.read_file(current_user, report_id)
    return Response(report.content, mimetype="text/plain", headers={
        "Content-Disposition": f'attachment; filename="{services.file_name(report)}"'})


@blp.route("/pdmp/reports/<int:report_id>/submission", methods=["POST"])
@require_roles(PHARMACIST, ADMIN)
@blp.arguments(SubmissionSchema)
@blp.response(200, ReportSchema)
def record_submission(body: dict[str, Any], report_id: int) -> Any:
    """Record that the file was sent to the state (`sftp`, `upload` or `other`)."""
    return services.mark_submitted(current_user, report_id, **body)


@blp.route("/pdmp/reports/<int:report_id>/result", methods=["POST"])
@require_roles(PHARMACIST, ADMIN)
@blp.arguments(ResultSchema)
@blp.response(200, ReportSchema)
def record_result(body: dict[str, Any], report_id: int) -> Any:
    """Record the state's answer: accepted, or rejected with its error text."""
    return services.record_result(current_user, report_id, **body)

