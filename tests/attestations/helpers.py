"""Shared steps of the attestation tests: keys, verification with `cryptography` directly."""

from __future__ import annotations

import base64
import json
from datetime import date, timedelta
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from lienrx.core import clock
from lienrx.extensions import db


def canonical(document: dict[str, Any]) -> bytes:
    """API.md's canonical bytes, spelled out rather than taken from the app's helper."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


def public_key(keys: list[dict[str, Any]], key_id: str) -> Ed25519PublicKey:
    """The published key with ``key_id``, as a `cryptography` public key."""
    (entry,) = [k for k in keys if k["key_id"] == key_id]
    assert entry["algorithm"] == "Ed25519"
    raw = base64.b64decode(entry["public_key"])
    assert len(raw) == 32
    return Ed25519PublicKey.from_public_bytes(raw)


def signature_holds(key: Ed25519PublicKey, document: dict[str, Any], signature: str) -> bool:
    """Whether `cryptography` accepts the signature over the canonical bytes."""
    try:
        key.verify(base64.b64decode(signature), canonical(document))
    except InvalidSignature:
        return False
    return True


def issue(pharmacist: Any, case_id: int, narrative: str | None = None) -> dict[str, Any]:
    """Issue an attestation through the API; it must succeed."""
    body = {} if narrative is None else {"narrative": narrative}
    response = pharmacist.post(f"/api/v1/cases/{case_id}/attestations", json=body)
    assert response.status_code == 201, response.json
    return dict(response.json)


def days_ago(days: int) -> date:
    """A date ``days`` before today (the frozen clock in tests)."""
    return clock.today() - timedelta(days=days)


def commit() -> None:
    """Commit what a test built through services."""
    db.session.commit()
