"""Signed checkpoints of the audit chain: heads the operator keeps away from the database.

The hash chain shows that the stored events link up, but whoever can write to the database
can cut events from the end and rewind the chain head, or change an event and recompute every
hash after it, and the chain still verifies. A checkpoint (the head's sequence number and hash
at a moment, signed with the attestation key and kept elsewhere) pins what the chain held then:
every later chain must still hold that event with that hash.

This module shapes a checkpoint and checks it against the chain. Signing and the published
keys belong to the attestations package, so the ``lienrx audit`` commands bring the two
together.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from lienrx.audit import services as audit

KIND = "lienrx.audit-checkpoint"
VERSION = 1
_HASH = re.compile(r"[0-9a-f]{64}")


class UnreadableCheckpoint(ValueError):
    """The file is not a checkpoint this version can read."""


@dataclass(frozen=True)
class Checkpoint:
    """A checkpoint as read from its file: the signed document and its signature."""

    document: dict[str, Any]
    signature: Any
    key_id: Any

    @property
    def seq(self) -> int:
        return int(self.document["seq"])

    @property
    def hash(self) -> str:
        return str(self.document["hash"])


def document(*, seq: int, hash: str, taken_at: datetime, key_id: str) -> dict[str, Any]:
    """The signed part of a checkpoint: the chain head, when it was taken, the signing key."""
    return {"kind": KIND, "version": VERSION, "seq": seq, "hash": hash,
            "taken_at": taken_at.isoformat(timespec="microseconds"), "key_id": key_id}


def envelope(signed_document: dict[str, Any], *, sha256: str, signature: str,
             key_id: str) -> dict[str, Any]:
    """What is written to the file: the document, its SHA-256, signature and key id."""
    return {"checkpoint": signed_document, "sha256": sha256, "signature": signature,
            "key_id": key_id}


def read(path: Path) -> Checkpoint:
    """Load a checkpoint file; raise UnreadableCheckpoint saying what is wrong with it."""
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise UnreadableCheckpoint("it is not a readable JSON file") from exc
    doc = saved.get("checkpoint") if isinstance(saved, dict) else None
    if not isinstance(doc, dict) or doc.get("kind") != KIND:
        raise UnreadableCheckpoint("it holds no audit checkpoint")
    if doc.get("version") != VERSION:
        raise UnreadableCheckpoint(f"checkpoint version {doc.get('version')!r} is not known")
    seq, head_hash = doc.get("seq"), doc.get("hash")
    if (not isinstance(seq, int) or isinstance(seq, bool) or seq < 0
            or not isinstance(head_hash, str) or not _HASH.fullmatch(head_hash)):
        raise UnreadableCheckpoint("its sequence number or hash is malformed")
    return Checkpoint(document=doc, signature=saved.get("signature"),
                      key_id=saved.get("key_id"))


def missing_from_chain(checkpoint: Checkpoint) -> str | None:
    """Why the chain no longer holds the checkpointed head, or None when it does."""
    if checkpoint.seq == 0:
        return None  # the empty chain is a prefix of every chain
    stored = audit.event_hash(checkpoint.seq)
    if stored is None:
        return (f"the chain ends at event {audit.chain_length()}, before the checkpointed "
                f"event {checkpoint.seq}: events were cut from the end")
    if stored != checkpoint.hash:
        return (f"event {checkpoint.seq} has a different hash than the checkpoint records: "
                "the chain was rewritten up to there")
    return None
