"""Assemble a POGOS document from records only: nothing in it is typed in except the narrative.

The document is plain JSON: strings, integers, booleans, null, lists and objects. Money is a
two-place decimal string, dates are ISO strings, timestamps ISO 8601 with offset; never a float.

The fills, DUR alerts and the prescribers' indications come from
:mod:`lienrx.dispensing.queries`. Clinical statements keep their source: a diagnosis names the
document it was taken from, an indication the prescriber who stated it; the pharmacist attests
to the records only. ``lienrx.pogos/2`` adds to each line its sig, dose, written date, place
in the prescription (refill, partial), NDC labeler and the running lien balance; version 1
documents stay stored and verifiable as they were signed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app

from lienrx.auth.models import User
from lienrx.cases.models import Case, ExternalTreatment
from lienrx.cases.rules import CRPS_CODES
from lienrx.cases.services import active_agreement
from lienrx.core import clock
from lienrx.core.actors import Signer
from lienrx.core.errors import NotFound
from lienrx.core.money import format_cents, to_cents
from lienrx.dispensing import queries as dispensing
from lienrx.extensions import db
from lienrx.ledger.models import JournalEntry, LedgerAccount, Posting
from lienrx.ledger.queries import case_totals

SCHEMA = "lienrx.pogos/2"
TITLE = "Pharmacy-Organized General Occurrence Summary (POGOS)"


def dispense_lines(case_id: int) -> list[dict[str, Any]]:
    """Every fill of the case, oldest first (reversed fills included), from dispensing."""
    return dispensing.fill_lines(case_id)


def pharmacy_name() -> str:
    """The dispensing pharmacy's name, from configuration."""
    return str(current_app.config["LIENRX_PHARMACY_NAME"])


def _iso(value: Any) -> str | None:
    return None if value is None else value.isoformat()


def ledger_summary(case_id: int) -> dict[str, Any]:
    """The lien balance and the totals per entry kind (positive magnitudes), from postings."""
    balance, totals = case_totals(case_id)
    return {"balance": format_cents(balance),
            "totals": {name: format_cents(cents) for name, cents in totals.items()}}


def _charges_and_reversals(case_id: int) -> list[tuple[JournalEntry, int]]:
    """The case's charge and reversal entries with their signed effect on the lien, in date
    order (entry order within a day)."""
    rows = db.session.execute(
        sa.select(JournalEntry, sa.func.sum(Posting.amount_cents))
        .join(Posting, Posting.entry_id == JournalEntry.id)
        .join(LedgerAccount, LedgerAccount.id == Posting.account_id)
        .where(LedgerAccount.case_id == case_id,
               JournalEntry.kind.in_(("charge", "reversal")))
        .group_by(JournalEntry.id).order_by(JournalEntry.occurred_on, JournalEntry.id)
    ).all()
    return [(entry, int(amount)) for entry, amount in rows]


def running_balances(entries: list[tuple[JournalEntry, int]]) -> dict[int, int]:
    """The lien's charges less the reversals of those charges, after each entry (by entry id).

    Reductions, payments, write-offs and refunds are left to the totals, so the figure after a
    line is what the fills have put on the lien by then.
    """
    charges = {entry.id for entry, _ in entries if entry.kind == "charge"}
    running, after = 0, {}
    for entry, amount in entries:
        if entry.kind == "charge" or entry.reverses_entry_id in charges:
            running += amount
            after[entry.id] = running
    return after


def reversals(entries: list[tuple[JournalEntry, int]],
              after: dict[int, int]) -> list[dict[str, Any]]:
    """Reversing entries on the case's ledger, oldest first (amounts as positive magnitudes)."""
    return [{"entry_id": entry.id, "occurred_on": entry.occurred_on.isoformat(),
             "amount": format_cents(-amount), "memo": entry.memo,
             "reverses_entry_id": entry.reverses_entry_id,
             "dispense_id": entry.source_id if entry.source_type == "dispense" else None,
             "balance_after": _money(after.get(entry.id))}
            for entry, amount in entries if entry.kind == "reversal"]


def _money(cents: int | None) -> str | None:
    return None if cents is None else format_cents(cents)


def _with_balances(lines: list[dict[str, Any]], entries: list[tuple[JournalEntry, int]],
                   after: dict[int, int]) -> list[dict[str, Any]]:
    """Each line with its charge's ledger entry and the running lien balance after it."""
    charged = {entry.source_id: entry.id for entry, _ in entries
               if entry.kind == "charge" and entry.source_type == "dispense"}
    return [{**line, "charge_entry_id": charged.get(line["dispense_id"]),
             "balance_after": _money(after.get(charged.get(line["dispense_id"], -1)))}
            for line in lines]


def _case_part(case: Case) -> dict[str, Any]:
    return {"id": case.id, "firm_file_number": case.firm_file_number, "status": case.status,
            "jurisdiction": case.jurisdiction, "date_of_injury": case.date_of_injury.isoformat(),
            "injury_mechanism": case.injury_mechanism,
            "mechanism_narrative": case.mechanism_narrative}


def _parties(case: Case) -> dict[str, Any]:
    patient, firm = case.patient, case.law_firm
    attorney = db.session.get(User, case.attorney_user_id) if case.attorney_user_id else None
    agreement = active_agreement(case.id)
    return {
        "patient": {"id": patient.id, "first_name": patient.first_name,
                    "last_name": patient.last_name, "date_of_birth": patient.date_of_birth},
        "law_firm": {"id": firm.id, "name": firm.name, "address": firm.address,
                     "phone": firm.phone, "email": firm.email},
        "attorney_of_record": None if attorney is None else {"name": attorney.name,
                                                             "email": attorney.email},
        "lien_agreement": None if agreement is None else {
            "signed_on": agreement.signed_on.isoformat(), "non_recourse": agreement.non_recourse,
            "document_sha256": agreement.document_sha256},
    }


def _diagnoses(case: Case) -> list[dict[str, Any]]:
    return [{"icd10": d.icd10, "laterality": d.laterality, "source": d.source,
             "crps_type": CRPS_CODES[d.icd10].crps_type if d.icd10 in CRPS_CODES else None}
            for d in case.diagnoses]


def _external_treatments(case_id: int) -> list[dict[str, Any]]:
    rows = db.session.execute(
        sa.select(ExternalTreatment).where(ExternalTreatment.case_id == case_id)
        .order_by(ExternalTreatment.started_on, ExternalTreatment.id)).scalars()
    return [{"kind": t.kind, "started_on": t.started_on.isoformat(),
             "ended_on": _iso(t.ended_on), "facility": t.facility, "protocol": t.protocol,
             "dose": t.dose, "notes": t.notes} for t in rows]


def _fills_summary(lines: list[dict[str, Any]]) -> dict[str, Any]:
    kept = [line for line in lines if line.get("status") != "reversed"]
    return {"count": len(kept), "reversed": len(lines) - len(kept),
            "charges": format_cents(sum(to_cents(line["charge"]) for line in kept))}


def attestation_statement(signer: Signer, pharmacy: str) -> str:
    """The words the signing pharmacist attests to: facts of record, nothing clinical."""
    return (f"I, {signer.name}, a pharmacist licensed under license number "
            f"{signer.license_number}, attest that the dispensing records summarised in this "
            f"report were made and kept by {pharmacy} in the regular course of its business, at "
            "or near the time of each event, by or from information given by a person with "
            "knowledge of it; and that each dispense line in this report reproduces those "
            "records. I make no clinical statement here: each diagnosis is shown with the "
            "document it was taken from, and each indication as the prescriber stated it on "
            "the prescription.")


def build_document(case_id: int, signer: Signer, narrative: str | None, *, version: int = 1,
                   issued_at: datetime | None = None,
                   supersedes: dict[str, Any] | None = None) -> dict[str, Any]:
    """Assemble the POGOS document of a case from its records, for ``signer`` to sign."""
    case = db.session.get(Case, case_id)
    if case is None:
        raise NotFound("No such case.")
    pharmacy = pharmacy_name()
    entries = _charges_and_reversals(case_id)
    after = running_balances(entries)
    lines = _with_balances(dispense_lines(case_id), entries, after)
    return {
        "schema": SCHEMA,
        "title": TITLE,
        "version": version,
        "issued_at": (issued_at or clock.utcnow()).isoformat(),
        "supersedes": supersedes,
        "pharmacy": {"name": pharmacy, "timezone": str(clock.timezone())},
        "case": _case_part(case),
        **_parties(case),
        "diagnoses": _diagnoses(case),
        "external_treatments": _external_treatments(case_id),
        "dispense_lines": lines,
        "reversals": reversals(entries, after),
        "dur_alerts": dispensing.case_dur_alerts(case_id),
        "medication_rationale": dispensing.medication_rationale(lines),
        "pharmacist_narrative": narrative,
        "fills": _fills_summary(lines),
        "ledger": ledger_summary(case_id),
        "signer": {"user_id": signer.id, "name": signer.name,
                   "license_number": signer.license_number},
        "attestation": attestation_statement(signer, pharmacy),
    }
