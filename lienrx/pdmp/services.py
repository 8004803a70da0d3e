"""Generate PDMP reports, and keep their log: submitted (by hand or SFTP), accepted or
rejected."""

from __future__ import annotations

import hashlib
import secrets
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import selectinload

from lienrx.audit import services as audit
from lienrx.core import clock, locks
from lienrx.core.actors import Actor, actor_id
from lienrx.core.errors import Conflict, NotFound, field_error
from lienrx.extensions import db
from lienrx.pdmp import asap, records, sftp
from lienrx.pdmp.models import PdmpReport, PdmpReportRecord, PdmpStateLock
from lienrx.pdmp.profiles import Profile, profile_for

REQUIRED_PHARMACY = ("LIENRX_PHARMACY_NPI", "LIENRX_PHARMACY_DEA", "LIENRX_PHARMACY_ADDRESS")


def home_state() -> str:
    """The pharmacy's state (LIENRX_PHARMACY_STATE)."""
    return str(current_app.config["LIENRX_PHARMACY_STATE"])


def _profile(state: str | None) -> Profile:
    profile = profile_for(state or home_state())
    if profile is None:
        raise field_error("state", f"No PDMP profile for {state}.")
    return profile


def _pharmacy() -> asap.Pharmacy:
    """The PHA segment from the pharmacy's configuration, or 409 naming what is missing."""
    config = current_app.config
    missing = [key for key in REQUIRED_PHARMACY if not config.get(key)]
    address = records.parse_address(config.get("LIENRX_PHARMACY_ADDRESS"))
    if address is None and "LIENRX_PHARMACY_ADDRESS" not in missing:
        missing.append("LIENRX_PHARMACY_ADDRESS (as 'street, city, ST ZIP')")
    if missing or address is None:
        raise Conflict("pdmp_pharmacy_incomplete",
                       "A PDMP file names the pharmacy: set " + ", ".join(missing) + ".")
    return asap.Pharmacy(npi=config["LIENRX_PHARMACY_NPI"], dea=config["LIENRX_PHARMACY_DEA"],
                         name=config["LIENRX_PHARMACY_NAME"], address=address.street,
                         city=address.city, state=address.state, zip=address.zip,
                         phone=config.get("LIENRX_PHARMACY_PHONE") or "",
                         ncpdp=config.get("LIENRX_PHARMACY_NCPDP") or "")


def _control_number() -> str:
    return f"{clock.utcnow():%y%m%d%H%M%S}{secrets.randbelow(10**6):06d}"


def _lock_state(state: str) -> None:
    """Take the state's generation lock (its row made on first use), so a concurrent
    generation for the state waits until this one commits and then sees its records."""
    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else \
        sqlite.insert
    db.session.execute(insert(PdmpStateLock).values(state=state).on_conflict_do_nothing())
    locks.lock(sa.select(PdmpStateLock).where(PdmpStateLock.state == state), PdmpStateLock)


def generate(actor: Actor | None, *, report_date: date, state: str | None = None
             ) -> PdmpReport:
    """Build and store the ASAP file of a state for a date: every reportable dispense,
    revision and void not yet in a live report, or the zero report when there is none.
    Generations for one state run one at a time (the state's lock), so no dispense is
    carried by two of them."""
    if report_date > clock.today():
        raise field_error("report_date", "A report covers a day that has begun, not a future "
                                         "one.")
    profile = _profile(state)
    pharmacy = _pharmacy()
    _lock_state(profile.state)
    selection = records.select(profile, report_date, home_state())
    header = asap.Header(version=profile.version, control_number=_control_number(),
                         created_at=clock.utcnow().astimezone(clock.timezone()),
                         source_id=pharmacy.dea, source_name=pharmacy.name,
                         file_type=("P" if current_app.config.get("LIENRX_ENV") == "production"
                                    else "T"))
    dispensings = [entry.record for entry in selection.entries]
    if not dispensings and selection.unreported_dispenses:
        # a zero report would say nothing was dispensed
        raise Conflict("pdmp_records_unreportable",
                       "Every record of the day must be corrected before it can be reported: "
                       + "; ".join(f"{p.rx_number} (dispense {p.dispense_id}): {p.problem}"
                                   for p in selection.problems),
                       problems=[p.as_json() for p in selection.problems])
    content = (asap.write(header, pharmacy, dispensings, with_air=profile.requires_air)
               if dispensings else
               asap.zero_report(header, pharmacy, report_date, with_air=profile.requires_air))
    report = PdmpReport(
        state=profile.state, report_date=report_date, asap_version=profile.version,
        control_number=header.control_number, content=content,
        sha256=hashlib.sha256(content.encode()).hexdigest(), record_count=len(dispensings),
        zero_report=not dispensings, status="generated",
        problems=[p.as_json() for p in selection.problems],
        generated_by_user_id=actor_id(actor), generated_at=clock.utcnow(),
        records=[PdmpReportRecord(dispense_id=e.dispense_id, record_status=e.record_status,
                                  rx_number=e.record.rx_number, filled_on=e.record.filled_on,
                                  refill_number=e.record.refill_number,
                                  partial_fill=e.record.partial_fill, late_entry=e.late_entry,
                                  record_sha256=e.fingerprint)
                 for e in selection.entries])
    db.session.add(report)
    db.session.flush()
    audit.record(actor, "pdmp.report.generated", "pdmp_report", report.id,
                 {"state": report.state, "report_date": report_date.isoformat(),
                  "record_count": report.record_count, "problems": len(report.problems),
                  "late_entries": sum(r.late_entry for r in report.records),
                  "sha256": report.sha256})
    return report


def list_reports(actor: Actor, *, state: str | None = None, date_from: date | None = None,
                 date_to: date | None = None, status: str | None = None) -> list[PdmpReport]:
    """Reports, newest report date first, with the records each left out (Rx numbers:
    audited); never the file content."""
    query = sa.select(PdmpReport).options(selectinload(PdmpReport.records))
    if state:
        query = query.where(PdmpReport.state == state.upper())
    if date_from:
        query = query.where(PdmpReport.report_date >= date_from)
    if date_to:
        query = query.where(PdmpReport.report_date <= date_to)
    if status:
        query = query.where(PdmpReport.status == status)
    found = list(db.session.execute(
        query.order_by(PdmpReport.report_date.desc(), PdmpReport.id.desc())).scalars())
    audit.record(actor, "pdmp.report.listed", "pdmp_report", None, {"count": len(found)})
    return found


def get_report(report_id: int) -> PdmpReport:
    """A report's log entry, or NotFound."""
    report = db.session.get(PdmpReport, report_id)
    if report is None:
        raise NotFound("No such PDMP report.")
    return report


def read_report(actor: Actor, report_id: int) -> PdmpReport:
    """A report's log entry with the records it left out (Rx numbers: audited)."""
    report = get_report(report_id)
    audit.record(actor, "pdmp.report.viewed", "pdmp_report", report.id)
    return report


def read_file(actor: Actor, report_id: int) -> PdmpReport:
    """A report with its file (a PHI read: audited)."""
    report = get_report(report_id)
    audit.record(actor, "pdmp.report.read", "pdmp_report", report.id,
                 {"state": report.state, "report_date": report.report_date.isoformat()})
    return report


def _transition(report_id: int, before: tuple[str, ...], values: dict[str, Any]) -> PdmpReport:
    """Move a report on from one of ``before`` in one conditional UPDATE (a twin request that
    got there first leaves nothing to move: 409)."""
    report = get_report(report_id)
    moved = db.session.execute(
        sa.update(PdmpReport).where(PdmpReport.id == report_id,
                                    PdmpReport.status.in_(before)).values(**values))
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("invalid_transition",
                       f"The report is {report.status}; only a report that is "
                       f"{' or '.join(before)} can become {values['status']}.")
    db.session.refresh(report)
    return report


def mark_submitted(actor: Actor, report_id: int, *, method: str,
                   submitted_at: datetime | None = None) -> PdmpReport:
    """Record that the file went to the state: how, when (now by default) and by whom."""
    report = get_report(report_id)
    moment = submitted_at or clock.utcnow()
    if clock.in_future(moment):
        raise field_error("submitted_at", "The submission time is in the future.")
    if moment < report.generated_at:
        raise field_error("submitted_at", "The file was generated after that time.")
    report = _transition(report_id, ("generated",), {
        "status": "submitted", "submitted_at": moment, "submission_method": method,
        "submitted_by_user_id": actor.id})
    audit.record(actor, "pdmp.report.submitted", "pdmp_report", report.id, {"method": method})
    return report


def record_result(actor: Actor, report_id: int, *, accepted: bool,
                  errors: str | None = None) -> PdmpReport:
    """Record the state's answer: accepted, or rejected with its error text (the records of a
    rejected report are reported again by the next report generated)."""
    if not accepted and not (errors or "").strip():
        raise field_error("errors", "Give the state's error text for a rejected report.")
    status = "accepted" if accepted else "rejected"
    report = _transition(report_id, ("submitted",), {
        "status": status, "result_at": clock.utcnow(), "result_by_user_id": actor.id,
        "rejection_errors": None if accepted else (errors or "").strip()})
    audit.record(actor, f"pdmp.report.{status}", "pdmp_report", report.id)
    return report


def file_name(report: PdmpReport) -> str:
    """The file's name: state, report date and control number."""
    return f"{report.state}_{report.report_date:%Y%m%d}_{report.control_number}.dat"


def sftp_configured() -> bool:
    """Whether an SFTP destination is configured (LIENRX_PDMP_SFTP_URL)."""
    return bool(current_app.config.get("LIENRX_PDMP_SFTP_URL"))


def sftp_destination() -> sftp.Destination | None:
    """The configured SFTP destination, or None when uploads are not configured."""
    url = current_app.config.get("LIENRX_PDMP_SFTP_URL")
    if not url:
        return None
    try:
        return sftp.Destination.parse(url, current_app.config.get(
            "LIENRX_PDMP_SFTP_HOST_KEY") or "")
    except sftp.UploadFailed as exc:
        raise Conflict("pdmp_sftp_failed", str(exc)) from None


def upload(actor: Actor, report_id: int) -> PdmpReport:
    """Send a generated report to the configured SFTP server and mark it submitted."""
    destination = sftp_destination()
    if destination is None:
        raise Conflict("pdmp_sftp_not_configured", "No SFTP destination is configured "
                       "(LIENRX_PDMP_SFTP_URL): download the file and upload it by hand.")
    report = read_file(actor, report_id)
    if report.status != "generated":
        raise Conflict("invalid_transition", f"The report is {report.status}: it was sent.")
    try:
        sftp.upload(destination, file_name(report), report.content)
    except sftp.UploadFailed as exc:
        raise Conflict("pdmp_sftp_failed", f"The upload failed: {exc}") from None
    return mark_submitted(actor, report_id, method="sftp")
