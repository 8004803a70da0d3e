"""Issue, read and verify POGOS attestations."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from lienrx.attestations import builder, keys, signing
from lienrx.attestations.models import Attestation
from lienrx.audit import services as audit
from lienrx.cases.rules import POGOS
from lienrx.cases.services import get_case
from lienrx.core import clock
from lienrx.core.actors import Actor, Signer
from lienrx.core.canonical import dumps_canonical
from lienrx.core.crypto import keyring
from lienrx.core.errors import Forbidden, NotFound
from lienrx.core.paging import Page, fetch_page
from lienrx.core.security import PHARMACIST
from lienrx.extensions import db


def latest(case_id: int) -> Attestation | None:
    """The case's newest attestation version, if any."""
    return db.session.execute(
        sa.select(Attestation).where(Attestation.case_id == case_id)
        .order_by(Attestation.version.desc()).limit(1)).scalar_one_or_none()


def preview_attestation(actor: Signer, case_id: int,
                        narrative: str | None = None) -> dict[str, Any]:
    """The POGOS document the case would carry if ``actor`` signed now (nothing stored);
    audited, as it names the patient."""
    case = get_case(actor, case_id)
    document = builder.build_document(case.id, actor, narrative)
    audit.record(actor, "attestation.previewed", "case", case.id)
    return document


def issue_attestation(actor: Signer, case_id: int, *, narrative: str | None = None) -> Attestation:
    """Build the case's POGOS from its records, sign it, and store it as the next version.

    The new version supersedes the previous one, whose hash the new document names, so the
    versions form a chain; every version stays stored and verifiable.
    """
    if actor.role != PHARMACIST:
        raise Forbidden("Only a pharmacist may sign an attestation.")
    if not actor.license_number:
        raise Forbidden("A pharmacist needs a license number on file to sign an attestation.")
    case = get_case(actor, case_id, for_update=True)
    previous = latest(case.id)
    version = previous.version + 1 if previous else 1
    key = keys.register_current_key()
    issued_at = clock.utcnow()
    supersedes = None if previous is None else {"version": previous.version,
                                                "sha256": previous.sha256}
    document = builder.build_document(case.id, actor, narrative, version=version,
                                      issued_at=issued_at, supersedes=supersedes)
    signed = signing.sign(document, keyring().signing_key)
    attestation = Attestation(case_id=case.id, version=version,
                              document_json=dumps_canonical(document).decode("utf-8"),
                              sha256=signed.sha256, signature=signed.signature,
                              key_id=key.key_id, signed_by_user_id=actor.id, issued_at=issued_at,
                              supersedes_id=previous.id if previous else None)
    db.session.add(attestation)
    db.session.flush()
    audit.record(actor, "attestation.issued", "attestation", attestation.id,
                 {"case_id": case.id, "version": version, "sha256": signed.sha256,
                  "key_id": key.key_id, "supersedes": attestation.supersedes_id})
    return attestation


def get_attestation(actor: Actor, attestation_id: int, *, purpose: str = "read") -> Attestation:
    """An attestation the actor may see (attorneys: their firm's cases only), audited as a read."""
    attestation = db.session.get(Attestation, attestation_id)
    if attestation is None:
        raise NotFound("No such attestation.")
    try:
        get_case(actor, attestation.case_id, disclosing=POGOS)
    except NotFound:
        raise NotFound("No such attestation.") from None
    audit.record(actor, f"attestation.{purpose}", "attestation", attestation.id,
                 {"case_id": attestation.case_id, "version": attestation.version})
    return attestation


def list_attestations(actor: Actor, case_id: int, *, page: int = 1,
                      page_size: int | None = None) -> Page[Attestation]:
    """The versions of a case's attestation, newest first (a page of ``page_size`` when
    given, else every version)."""
    case = get_case(actor, case_id, disclosing=POGOS)
    found = fetch_page(
        sa.select(Attestation).where(Attestation.case_id == case.id)
        .order_by(Attestation.version.desc()), page=page, page_size=page_size)
    audit.record(actor, "attestation.listed", "case", case.id,
                 {"count": len(found), "total": found.total})
    return found


def successor(attestation: Attestation) -> Attestation | None:
    """The version that replaced this one, if any."""
    return db.session.execute(
        sa.select(Attestation).where(Attestation.supersedes_id == attestation.id)
    ).scalar_one_or_none()


def superseded_by(attestation: Attestation) -> int | None:
    """The id of the version that replaced this one, if any."""
    found = successor(attestation)
    return None if found is None else found.id


def view(attestation: Attestation) -> dict[str, Any]:
    """The attestation as the API shows it: the signed document with its seal and chain.

    The API's answer and the copy carried inside the PDF are both this, so they cannot differ.
    """
    return {"id": attestation.id, "case_id": attestation.case_id,
            "version": attestation.version, "issued_at": attestation.issued_at,
            "document": attestation.document, "sha256": attestation.sha256,
            "signature": attestation.signature, "key_id": attestation.key_id,
            "signed_by": attestation.signed_by, "supersedes_id": attestation.supersedes_id,
            "superseded_by_id": superseded_by(attestation)}


def custodian_certificate(actor: Actor, case_id: int) -> dict[str, Any]:
    """The facts a records-custodian certificate states about the case's raw dispense log.

    The log is the business record itself (dispense rows only, no narrative); its SHA-256
    over the canonical JSON ties the certificate to exactly these rows.
    """
    case = get_case(actor, case_id, disclosing=POGOS)
    lines = builder.dispense_lines(case.id)
    newest = latest(case.id)
    custodian = newest.signed_by if newest is not None else None
    audit.record(actor, "custodian_certificate.generated", "case", case.id,
                 {"lines": len(lines)})
    return {
        "pharmacy": builder.pharmacy_name(),
        "case_id": case.id,
        "firm_file_number": case.firm_file_number,
        "law_firm": case.law_firm.name,
        "patient_name": f"{case.patient.first_name} {case.patient.last_name}",
        "patient_date_of_birth": case.patient.date_of_birth,
        "dispense_log": lines,
        "log_sha256": signing.document_sha256({"case_id": case.id, "dispense_log": lines}),
        "generated_at": clock.utcnow().isoformat(timespec="seconds"),
        "custodian": None if custodian is None else {"name": custodian.name,
                                                     "license_number": custodian.license_number},
    }
