"""Verify a POGOS as its reader holds it: the signed JSON, or the PDF that carries it inside.

Anyone may ask (the `/verify` page, ``POST /api/v1/attestations/verify``). The answer says
whether the signature holds, whether the key that made it is still in service or retired,
and whether the version is the case's current one or was superseded, and by which version.
It names no patient: the reader already holds the document.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from lienrx.attestations import keys, signing
from lienrx.attestations.models import Attestation, AttestationKey
from lienrx.core import documents
from lienrx.core.errors import ValidationFailed
from lienrx.extensions import db

PDF_MAGIC = b"%PDF-"
NOT_AN_ATTESTATION = ("This is neither a POGOS PDF carrying its signed JSON nor a signed "
                      "attestation in JSON.")


@dataclass(frozen=True)
class Verdict:
    """What verification found about one attestation."""

    valid: bool
    key_status: str  # "active", "retired" or "unknown"
    current: bool
    superseded_by_version: int | None = None
    latest_version: int | None = None
    case_id: int | None = None
    version: int | None = None
    sha256: str | None = None


def _attestation_in(data: bytes) -> dict[str, Any] | None:
    """The attestation object in a JSON file, or None when the bytes hold none."""
    try:
        saved = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    return saved if isinstance(saved, dict) and isinstance(saved.get("document"), dict) else None


def read_upload(content: bytes, field: str = "file") -> dict[str, Any]:
    """The attestation in an uploaded POGOS PDF (its embedded JSON) or JSON file.

    Raises ``ValidationFailed`` on ``field`` when the upload holds no attestation.
    """
    if content.startswith(PDF_MAGIC):
        for name, data in sorted(documents.attachments_of(content).items()):
            found = _attestation_in(data) if name.endswith(".json") else None
            if found is not None:
                return found
        raise ValidationFailed({field: ["This PDF carries no signed POGOS JSON; upload the "
                                        "PDF LienRx issued, or its JSON."]})
    found = _attestation_in(content)
    if found is None:
        raise ValidationFailed({field: [NOT_AN_ATTESTATION]})
    return found


def key_status(key_id: Any) -> str:
    """``active`` for the key in service, ``retired`` for one it replaced, else ``unknown``."""
    if not isinstance(key_id, str):
        return "unknown"
    retired_at = db.session.execute(
        sa.select(AttestationKey.retired_at).where(AttestationKey.key_id == key_id)).first()
    if retired_at is not None:
        return "active" if retired_at[0] is None else "retired"
    return "active" if key_id == signing.key_id_for(keys.current_public_key()) else "unknown"


def _issued(document: dict[str, Any], sha256: str) -> Attestation | None:
    """The stored attestation with this exact document, found by its case and version."""
    case, version = document.get("case"), document.get("version")
    case_id = case.get("id") if isinstance(case, dict) else None
    if not isinstance(case_id, int) or not isinstance(version, int):
        return None
    return db.session.execute(
        sa.select(Attestation).where(Attestation.case_id == case_id,
                                     Attestation.version == version,
                                     Attestation.sha256 == sha256)).scalar_one_or_none()


def _later_versions(attestation: Attestation) -> list[int]:
    return list(db.session.execute(
        sa.select(Attestation.version).where(Attestation.case_id == attestation.case_id,
                                             Attestation.version > attestation.version)
        .order_by(Attestation.version)).scalars())


def verify(document: Any, signature: Any, key_id: Any) -> Verdict:
    """Check a document's signature against the published keys, then its place among versions.

    A document whose signature fails is never current: nothing it says can be relied on.
    """
    status = key_status(key_id)
    if not signing.verify(document, signature, key_id, keys.published_keys()):
        return Verdict(valid=False, key_status=status, current=False)
    sha256 = signing.document_sha256(document)
    issued = _issued(document, sha256)
    if issued is None:  # signed by our key, but not a version this pharmacy holds
        return Verdict(valid=True, key_status=status, current=False, sha256=sha256,
                       version=document.get("version"))
    later = _later_versions(issued)
    return Verdict(valid=True, key_status=status, current=not later,
                   superseded_by_version=later[0] if later else None,
                   latest_version=later[-1] if later else issued.version,
                   case_id=issued.case_id, version=issued.version, sha256=sha256)


def verify_saved(saved: dict[str, Any]) -> Verdict:
    """Verify an attestation object as the API returns it (document, signature, key_id…).

    A recorded ``sha256`` that does not match the document makes it invalid.
    """
    document = saved.get("document")
    recorded = saved.get("sha256")
    if recorded is not None and (not isinstance(document, dict)
                                 or recorded != signing.document_sha256(document)):
        return Verdict(valid=False, key_status=key_status(saved.get("key_id")), current=False)
    return verify(document, saved.get("signature"), saved.get("key_id"))
