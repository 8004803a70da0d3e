"""Canonical bytes, hashes, Ed25519 signatures and key ids for attestation documents.

Pure functions with no database or application state, so the offline verifier
(`lienrx attestations verify`) can use them without either.

``key_id`` is ``"ed25519:"`` followed by the first 16 hex digits of the SHA-256 of the raw
32-byte public key: stable across restarts and machines, derivable by anyone who holds the
public key, and it changes when (and only when) the signing key changes.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from lienrx.core.canonical import dumps_canonical

ALGORITHM = "Ed25519"
KEY_ID_PREFIX = "ed25519:"
PUBLIC_KEY_BYTES = 32
SIGNATURE_BYTES = 64


@dataclass(frozen=True)
class Signed:
    """A document's SHA-256 (hex), its base64 Ed25519 signature and the signing key's id."""

    sha256: str
    signature: str
    key_id: str


def canonical_bytes(document: Mapping[str, Any]) -> bytes:
    """The bytes that are hashed and signed: sorted keys, compact separators, UTF-8."""
    return dumps_canonical(document)


def document_sha256(document: Mapping[str, Any]) -> str:
    """Hex SHA-256 of the document's canonical bytes."""
    return hashlib.sha256(canonical_bytes(document)).hexdigest()


def raw_public_key(private_key: Ed25519PrivateKey) -> bytes:
    """The raw 32-byte public key of a signing key."""
    return private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_id_for(public_key: bytes) -> str:
    """The stable id of a raw 32-byte Ed25519 public key."""
    return KEY_ID_PREFIX + hashlib.sha256(public_key).hexdigest()[:16]


def encode_public_key(public_key: bytes) -> str:
    """Base64 (standard alphabet, padded) of a raw public key, as published."""
    return base64.b64encode(public_key).decode("ascii")


def sign(document: Mapping[str, Any], private_key: Ed25519PrivateKey) -> Signed:
    """Sign a document's canonical bytes."""
    data = canonical_bytes(document)
    return Signed(sha256=hashlib.sha256(data).hexdigest(),
                  signature=base64.b64encode(private_key.sign(data)).decode("ascii"),
                  key_id=key_id_for(raw_public_key(private_key)))


def _decode(value: Any, length: int) -> bytes | None:
    if not isinstance(value, str):
        return None
    try:
        raw = base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw if len(raw) == length else None


def decode_public_key(value: Any) -> bytes | None:
    """The raw key from a published base64 public key, or None if it is not one."""
    return _decode(value, PUBLIC_KEY_BYTES)


def verify(document: Any, signature: Any, key_id: Any, public_keys: Mapping[str, Any]) -> bool:
    """Whether ``signature`` is ``key_id``'s Ed25519 signature over ``document``.

    ``public_keys`` maps key ids to base64 public keys (the published list). A key is used
    only if its own bytes derive ``key_id``, so a mislabelled key cannot vouch for anything.
    Never raises: any malformed input is simply not a valid signature.
    """
    if not isinstance(document, Mapping) or not isinstance(key_id, str):
        return False
    raw_key = decode_public_key(public_keys.get(key_id))
    raw_signature = _decode(signature, SIGNATURE_BYTES)
    if raw_key is None or raw_signature is None or key_id_for(raw_key) != key_id:
        return False
    try:
        data = canonical_bytes(document)
        Ed25519PublicKey.from_public_bytes(raw_key).verify(raw_signature, data)
    except (InvalidSignature, ValueError, TypeError, RecursionError):
        return False
    return True
