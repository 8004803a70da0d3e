"""Keys and ciphers: PHI field encryption, the blind index for lookups, the signing key."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app


class KeyConfigError(ValueError):
    """A configured key is malformed."""


@dataclass(frozen=True)
class Keyring:
    """The keys the running application holds, parsed once at start-up."""

    data_keys: tuple[bytes, ...]
    index_key: bytes
    signing_key: Ed25519PrivateKey

    @property
    def fernet(self) -> MultiFernet:
        return MultiFernet([Fernet(k) for k in self.data_keys])


def parse_data_keys(raw: str) -> tuple[bytes, ...]:
    """Parse LIENRX_DATA_KEYS: comma-separated Fernet keys, newest first."""
    keys = tuple(k.strip().encode() for k in raw.split(",") if k.strip())
    if not keys:
        raise KeyConfigError("LIENRX_DATA_KEYS holds no key")
    for key in keys:
        try:
            Fernet(key)
        except (ValueError, TypeError) as exc:
            raise KeyConfigError("LIENRX_DATA_KEYS holds a key that is not a Fernet key") from exc
    return keys


def parse_signing_key(raw: str) -> Ed25519PrivateKey:
    """Parse LIENRX_SIGNING_KEY: base64 of the raw 32-byte Ed25519 seed."""
    try:
        seed = base64.b64decode(raw.strip(), validate=True)
        return Ed25519PrivateKey.from_private_bytes(seed)
    except (ValueError, TypeError) as exc:
        raise KeyConfigError("LIENRX_SIGNING_KEY is not base64 of a 32-byte Ed25519 seed") from exc


def derive_index_key(data_keys: tuple[bytes, ...]) -> bytes:
    """Derive the blind-index HMAC key from the oldest data key.

    The oldest key changes least often: adding a new key at the front leaves lookups intact.
    Retiring the oldest key changes the index key; `lienrx keys rotate` rebuilds the index.
    """
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"lienrx blind index v1")
    return hkdf.derive(base64.urlsafe_b64decode(data_keys[-1]))


def new_data_key() -> str:
    """Generate a fresh Fernet key."""
    return Fernet.generate_key().decode()


def new_signing_seed() -> str:
    """Generate a fresh Ed25519 seed, base64."""
    from cryptography.hazmat.primitives.serialization import (
        Encoding,
        NoEncryption,
        PrivateFormat,
    )

    raw = Ed25519PrivateKey.generate().private_bytes(
        Encoding.Raw, PrivateFormat.Raw, NoEncryption()
    )
    return base64.b64encode(raw).decode()


def keyring() -> Keyring:
    """The keyring of the current application."""
    return current_app.extensions["lienrx.keyring"]  # type: ignore[no-any-return]


def encrypt(plaintext: str) -> str:
    """Encrypt with the newest data key."""
    return keyring().fernet.encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    """Decrypt with whichever configured key made the token."""
    try:
        return keyring().fernet.decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise RuntimeError("a PHI field cannot be decrypted with the configured keys") from exc


def blind_index(*parts: str) -> str:
    """A keyed HMAC over normalised parts, for equality lookups of encrypted fields."""
    normalised = "\x1f".join(" ".join(p.casefold().split()) for p in parts)
    return hmac.new(keyring().index_key, normalised.encode(), hashlib.sha256).hexdigest()


BLIND_INDEX_OF = "lienrx.blind_index_of"


def blind_index_of(*fields: str) -> dict[str, Any]:
    """Column ``info`` marking a column as the :func:`blind_index` of the named encrypted fields
    (in that order), so `lienrx keys rotate` can rebuild it after the index key changes."""
    return {BLIND_INDEX_OF: fields}


FERNET_PREFIX = "gAAAAA"
"""How every Fernet token made by this application starts (version byte, then a timestamp
before 2**40 seconds): the database tells ciphertext from plaintext by it."""


class EncryptedText(sa.types.TypeDecorator[str]):
    """A text column encrypted at rest with the application's data keys (Fernet).

    The text round-trips exactly (UTF-8 in, the same string out), so a stored signed document
    decrypts to the very bytes that were signed.
    """

    impl = sa.Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        return None if value is None else encrypt(value)

    def process_result_value(self, value: str | None, dialect: Any) -> str | None:
        return None if value is None else decrypt(value)


class EncryptedDecimal(EncryptedText):
    """A decimal number encrypted at rest (kept as its plain text, e.g. ``"72.5"``)."""

    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        return None if value is None else super().process_bind_param(
            format(Decimal(value).normalize(), "f"), dialect)

    def process_result_value(self, value: str | None, dialect: Any) -> Any:
        text = super().process_result_value(value, dialect)
        return None if text is None else Decimal(text)


class EncryptedDate(EncryptedText):
    """A date encrypted at rest (kept as ``YYYY-MM-DD``)."""

    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        return None if value is None else super().process_bind_param(value.isoformat(), dialect)

    def process_result_value(self, value: str | None, dialect: Any) -> Any:
        text = super().process_result_value(value, dialect)
        return None if text is None else date.fromisoformat(text)


class EncryptedJSON(sa.types.TypeDecorator[Any]):
    """A JSON value encrypted at rest: the column keeps its JSON type and holds one JSON
    string, the Fernet token of the value's JSON text.

    Only the whole value can be read back: the database cannot query inside it.
    """

    impl = sa.JSON
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        return None if value is None else encrypt(json.dumps(value, ensure_ascii=False))

    def process_result_value(self, value: Any, dialect: Any) -> Any:
        return None if value is None else json.loads(decrypt(value))


class EncryptedBytes(sa.types.TypeDecorator[bytes]):
    """A binary column encrypted at rest with the application's data keys (Fernet): a stored
    file (a scanned authorization, a signed agreement) decrypts to the very bytes uploaded."""

    impl = sa.LargeBinary
    cache_ok = True

    def process_bind_param(self, value: bytes | None, dialect: Any) -> bytes | None:
        return None if value is None else keyring().fernet.encrypt(value)

    def process_result_value(self, value: bytes | None, dialect: Any) -> bytes | None:
        if value is None:
            return None
        try:
            return keyring().fernet.decrypt(bytes(value))
        except InvalidToken as exc:
            raise RuntimeError("a stored file cannot be decrypted with the configured keys") \
                from exc


ENCRYPTED_TYPES = (EncryptedText, EncryptedJSON, EncryptedBytes)
"""The column types `lienrx keys rotate` re-encrypts (their subclasses too)."""
