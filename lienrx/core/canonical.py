"""Canonical JSON: the bytes that are hashed and signed (attestations, the audit chain) and that
identify a repeated request (idempotency keys).

Not RFC 8785 (JCS): the two agree on every document the attestation tests sign, but JCS writes
``1.0`` as ``1``, orders keys by UTF-16 code units and refuses integers beyond 2**53, so
switching would change the hash of stored documents that hold such values (and idempotency
keys hash arbitrary request bodies).
"""

from __future__ import annotations

import json
from typing import Any


def dumps_canonical(value: Any) -> bytes:
    """Canonical JSON: sorted keys, no insignificant whitespace, UTF-8 (not ASCII-escaped)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
