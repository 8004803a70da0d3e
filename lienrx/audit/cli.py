"""`lienrx audit …` commands."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from lienrx.attestations import signing
from lienrx.attestations.keys import published_keys, register_current_key
from lienrx.audit import checkpoints
from lienrx.audit import services as audit_services
from lienrx.audit.services import verify_chain, walk_chain
from lienrx.core import clock
from lienrx.core.canonical import dumps_canonical
from lienrx.core.crypto import keyring
from lienrx.extensions import db


@click.group("audit")
def audit() -> None:
    """Inspect the audit trail."""


def _checkpoint_problem(path: Path, keys: dict[str, str]) -> str | None:
    """Why the checkpoint in ``path`` fails: unreadable, badly signed, or not in the chain."""
    try:
        checkpoint = checkpoints.read(path)
    except checkpoints.UnreadableCheckpoint as exc:
        return str(exc)
    if checkpoint.key_id != checkpoint.document.get("key_id"):
        return "the key id beside the signature is not the one the checkpoint names"
    if checkpoint.key_id not in keys:
        return f"key {checkpoint.key_id!r} is not among the published attestation keys"
    if not signing.verify(checkpoint.document, checkpoint.signature, checkpoint.key_id, keys):
        return "the signature does not match the checkpoint and key: the file was altered"
    return checkpoints.missing_from_chain(checkpoint)


@audit.command("verify")
@click.option("--checkpoint", "checkpoint_files", multiple=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A file written by `lienrx audit checkpoint`: the chain must still hold "
                   "its head. Repeatable.")
@with_appcontext
def verify(checkpoint_files: tuple[Path, ...]) -> None:
    """Check the audit hash chain, and that it still holds every checkpoint given; exit 1
    naming the first broken event and each failing checkpoint."""
    failed = False
    count, problem = verify_chain()
    if problem is not None:
        failed = True
        click.echo(f"audit chain BROKEN at event {problem.seq}: {problem.reason} "
                   f"({count} events verified before it)", err=True)
    keys = published_keys() if checkpoint_files else {}
    for path in checkpoint_files:
        reason = _checkpoint_problem(path, keys)
        if reason is not None:
            failed = True
            click.echo(f"audit checkpoint FAILED: {path}: {reason}", err=True)
        else:
            click.echo(f"audit checkpoint holds: {path}")
    if failed:
        raise SystemExit(1)
    click.echo(f"audit chain intact: {count} events")


def _default_name(seq: int) -> Path:
    return Path(f"audit-checkpoint-{seq:08d}-{clock.utcnow():%Y%m%dT%H%M%SZ}.json")


@audit.command("checkpoint")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write it (default: audit-checkpoint-SEQ-TIME.json here). "
                   "An existing file is never overwritten.")
@with_appcontext
def checkpoint(out: Path | None) -> None:
    """Write the verified chain head, signed with the attestation key, for keeping elsewhere."""
    walk = walk_chain()
    if walk.problem is not None:
        click.echo(f"audit chain BROKEN at event {walk.problem.seq}: {walk.problem.reason}; "
                   "no checkpoint written", err=True)
        raise SystemExit(1)
    key = register_current_key()  # verifiers find the key among the published ones
    document = checkpoints.document(seq=walk.count, hash=walk.last_hash,
                                    taken_at=clock.utcnow(), key_id=key.key_id)
    signed = signing.sign(document, keyring().signing_key)
    path = out or _default_name(walk.count)
    data = dumps_canonical(checkpoints.envelope(document, sha256=signed.sha256,
                                                signature=signed.signature,
                                                key_id=signed.key_id)) + b"\n"
    try:
        with path.open("xb") as file:
            file.write(data)
    except FileExistsError:
        click.echo(f"{path} exists; choose another --out", err=True)
        raise SystemExit(1) from None
    audit_services.record(None, "audit.checkpoint_written", "audit_chain", walk.count,
                          {"seq": walk.count, "hash": walk.last_hash, "key_id": key.key_id})
    db.session.commit()
    click.echo(f"audit checkpoint of event {walk.count} written to {path.resolve()}; "
               "keep it away from the database host, and pass it to "
               "`lienrx audit verify --checkpoint`")
