"""The published attestation keys: register the running key, retire the ones it replaced."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from lienrx.attestations import signing
from lienrx.attestations.models import AttestationKey
from lienrx.audit import services as audit
from lienrx.core import clock
from lienrx.core.crypto import keyring
from lienrx.extensions import db


def current_public_key() -> bytes:
    """The raw public key of the configured signing key."""
    return signing.raw_public_key(keyring().signing_key)


def _by_key_id(key_id: str) -> AttestationKey | None:
    return db.session.execute(
        sa.select(AttestationKey).where(AttestationKey.key_id == key_id)).scalar_one_or_none()


def register_current_key() -> AttestationKey:
    """Publish the configured key (idempotent) and retire every other key still marked current.

    A write: called when an attestation is signed, when `lienrx serve` starts and by
    `lienrx attestations publish-key`, never by a read. After rotating LIENRX_SIGNING_KEY the
    restart (or the first signing) publishes the new key; the old one stays listed as retired.
    """
    raw = current_public_key()
    key_id = signing.key_id_for(raw)
    key = _by_key_id(key_id)
    if key is None:
        try:
            with db.session.begin_nested():
                key = AttestationKey(key_id=key_id, algorithm=signing.ALGORITHM,
                                     public_key=signing.encode_public_key(raw),
                                     first_used_at=clock.utcnow())
                db.session.add(key)
        except IntegrityError:  # another request published it first
            key = _by_key_id(key_id)
            if key is None:
                raise
        else:
            audit.record(None, "attestation_key.published", "attestation_key", key.id,
                         {"key_id": key_id})
    if key.retired_at is not None:  # a previously retired key was put back in service
        key.retired_at = None
    others = db.session.execute(
        sa.select(AttestationKey).where(AttestationKey.key_id != key_id,
                                        AttestationKey.retired_at.is_(None))).scalars().all()
    for other in others:
        other.retired_at = clock.utcnow()
        audit.record(None, "attestation_key.retired", "attestation_key", other.id,
                     {"key_id": other.key_id})
    db.session.flush()
    return key


def list_keys() -> list[AttestationKey]:
    """Every key ever published, the current one first, then retired ones newest first.

    Reads only: the running key is listed once it has been published (see
    :func:`register_current_key`).
    """
    return list(db.session.execute(
        sa.select(AttestationKey).order_by(AttestationKey.retired_at.is_not(None),
                                           AttestationKey.first_used_at.desc(),
                                           AttestationKey.id.desc())).scalars())


def published_keys() -> dict[str, str]:
    """key id → base64 public key, for every published key and the configured one."""
    keys = {k.key_id: k.public_key for k in db.session.execute(sa.select(AttestationKey))
            .scalars()}
    raw = current_public_key()
    keys.setdefault(signing.key_id_for(raw), signing.encode_public_key(raw))
    return keys
