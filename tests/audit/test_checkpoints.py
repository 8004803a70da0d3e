"""Issue 12: an audit chain that cannot be rewritten quietly.

Someone with write access to the database can cut events from the end and rewind the chain
head, or change an event and recompute every hash after it: the chain then links up and plain
`lienrx audit verify` passes. A signed checkpoint kept away from the database catches both.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from lienrx import create_app
from lienrx.audit import services as audit
from lienrx.audit.models import AuditEvent
from lienrx.core import crypto
from lienrx.core.canonical import dumps_canonical
from lienrx.extensions import db
from tests import factories
from tests.conftest import test_settings as settings_for


@pytest.fixture
def chain(ctx):
    """A law firm, users, a patient and a case, each audited."""
    factories.case(factories.law_firm())
    db.session.commit()
    assert db.session.query(AuditEvent).count() >= 5
    return ctx


def more_events(n: int = 3) -> None:
    for i in range(n):
        audit.record(None, "test.event", "thing", i)
    db.session.commit()


@contextmanager
def triggers_off() -> Iterator[sa.Connection]:
    """Step around the append-only triggers, as someone with direct database access could."""
    conn = db.session.connection()
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
    else:  # the next test starts from the migrated template, triggers and all
        conn.exec_driver_sql("DROP TRIGGER audit_events_no_update")
        conn.exec_driver_sql("DROP TRIGGER audit_events_no_delete")
    yield conn
    db.session.commit()


def cut_tail_and_rewind_head(keep: int) -> None:
    with triggers_off() as conn:
        conn.execute(sa.text("DELETE FROM audit_events WHERE seq > :keep"), {"keep": keep})
        new_head = conn.execute(sa.text("SELECT hash FROM audit_events WHERE seq = :keep"),
                                {"keep": keep}).scalar_one()
        conn.execute(sa.text("UPDATE audit_chain_heads SET seq = :seq, hash = :hash"),
                     {"seq": keep, "hash": new_head})


def recompute_chain_after_changing(seq: int) -> None:
    """Change one event's content, then re-hash it and every event after it, and the head."""
    events = db.session.query(AuditEvent).order_by(AuditEvent.seq).all()
    rewritten, prev = [], audit.GENESIS
    for event in events:
        if event.seq == seq:
            event.action = "nothing.happened"
        event.prev_hash = prev
        prev = event.hash = audit._digest(event)
        rewritten.append({"id": event.id, "action": event.action, "prev": event.prev_hash,
                          "hash": event.hash})
    db.session.expunge_all()
    with triggers_off() as conn:
        for row in rewritten:
            conn.execute(sa.text("UPDATE audit_events SET action = :action, prev_hash = :prev, "
                                 "hash = :hash WHERE id = :id"), row)
        conn.execute(sa.text("UPDATE audit_chain_heads SET hash = :hash"), {"hash": prev})


def take_checkpoint(runner, path: Path):
    db.session.remove()
    result = runner.invoke(args=["audit", "checkpoint", "--out", str(path)])
    assert result.exit_code == 0, result.output
    return result


def verify(runner, *checkpoints: Path):
    db.session.remove()
    args = ["audit", "verify"]
    for path in checkpoints:
        args += ["--checkpoint", str(path)]
    return runner.invoke(args=args)


def last_seq() -> int:
    return db.session.query(sa.func.max(AuditEvent.seq)).scalar()


def test_checkpoint_writes_the_signed_chain_head_and_says_where(chain, runner, tmp_path):
    head_seq = last_seq()
    head_hash = audit.event_hash(head_seq)
    path = tmp_path / "cp.json"
    result = take_checkpoint(runner, path)
    assert str(path.resolve()) in result.output
    saved = json.loads(path.read_text())
    document = saved["checkpoint"]
    assert (document["seq"], document["hash"]) == (head_seq, head_hash)
    assert document["key_id"] == saved["key_id"] and document["key_id"].startswith("ed25519:")
    assert document["taken_at"] and saved["signature"]
    assert path.read_bytes() == dumps_canonical(saved) + b"\n"  # canonical JSON on disk


def test_checkpoint_never_overwrites_a_file(chain, runner, tmp_path):
    path = tmp_path / "cp.json"
    path.write_text("kept")
    db.session.remove()
    result = runner.invoke(args=["audit", "checkpoint", "--out", str(path)])
    assert result.exit_code == 1
    assert path.read_text() == "kept"


def test_checkpoint_of_a_broken_chain_is_refused(chain, runner, tmp_path):
    with triggers_off() as conn:
        conn.exec_driver_sql("UPDATE audit_events SET action = 'nothing.happened' WHERE seq = 2")
    db.session.remove()
    result = runner.invoke(args=["audit", "checkpoint", "--out", str(tmp_path / "cp.json")])
    assert result.exit_code == 1
    assert "BROKEN at event 2" in result.output
    assert not (tmp_path / "cp.json").exists()


def test_tail_cut_and_head_rewound_passes_plain_verify_but_fails_the_checkpoint(
        chain, runner, tmp_path):
    path = tmp_path / "cp.json"
    take_checkpoint(runner, path)
    checkpointed = json.loads(path.read_text())["checkpoint"]["seq"]
    cut_tail_and_rewind_head(keep=checkpointed - 2)

    # The chain alone cannot tell: what is left links up and the head agrees with it.
    plain = verify(runner)
    assert plain.exit_code == 0, plain.output

    result = verify(runner, path)
    assert result.exit_code == 1
    assert f"audit checkpoint FAILED: {path}" in result.output
    assert f"ends at event {checkpointed - 2}, before the checkpointed event {checkpointed}" \
        in result.output


def test_recomputed_chain_with_altered_content_fails_the_checkpoint(chain, runner, tmp_path):
    path = tmp_path / "cp.json"
    take_checkpoint(runner, path)
    recompute_chain_after_changing(seq=3)

    plain = verify(runner)
    assert plain.exit_code == 0, plain.output  # every hash was recomputed: it links up

    result = verify(runner, path)
    assert result.exit_code == 1
    seq = json.loads(path.read_text())["checkpoint"]["seq"]
    assert f"{path}: event {seq} has a different hash" in result.output


@pytest.mark.parametrize("field", ["seq", "hash"])
def test_forged_checkpoint_fails_on_its_signature(chain, runner, tmp_path, field):
    path = tmp_path / "cp.json"
    take_checkpoint(runner, path)
    cut_tail_and_rewind_head(keep=3)  # the forger wants the checkpoint to match this chain
    saved = json.loads(path.read_text())
    saved["checkpoint"][field] = 3 if field == "seq" else audit.event_hash(3)
    path.write_text(json.dumps(saved))

    result = verify(runner, path)
    assert result.exit_code == 1
    assert f"{path}: the signature does not match" in result.output


def test_checkpoint_signed_by_an_unpublished_key_fails(chain, runner, tmp_path):
    path = tmp_path / "cp.json"
    take_checkpoint(runner, path)
    saved = json.loads(path.read_text())
    saved["checkpoint"]["key_id"] = saved["key_id"] = "ed25519:0000000000000000"
    path.write_text(json.dumps(saved))
    result = verify(runner, path)
    assert result.exit_code == 1
    assert "is not among the published attestation keys" in result.output


def test_unreadable_checkpoint_fails_naming_the_file(chain, runner, tmp_path):
    path = tmp_path / "cp.json"
    path.write_text("{not json")
    result = verify(runner, path)
    assert result.exit_code == 1
    assert f"audit checkpoint FAILED: {path}: it is not a readable JSON file" in result.output


def test_honest_growth_after_the_checkpoint_passes(chain, runner, tmp_path):
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    take_checkpoint(runner, first)
    more_events()
    take_checkpoint(runner, second)
    more_events()
    result = verify(runner, first, second)
    assert result.exit_code == 0, result.output
    assert f"audit checkpoint holds: {first}" in result.output
    assert f"audit checkpoint holds: {second}" in result.output


def test_every_failing_checkpoint_is_named(chain, runner, tmp_path):
    early, late = tmp_path / "early.json", tmp_path / "late.json"
    take_checkpoint(runner, early)
    more_events()
    take_checkpoint(runner, late)
    cut_tail_and_rewind_head(keep=last_seq() - 5)
    result = verify(runner, early, late)
    assert result.exit_code == 1
    assert f"audit checkpoint holds: {early}" in result.output
    assert f"audit checkpoint FAILED: {late}" in result.output


@pytest.fixture
def rotated(app: Flask, database_url: str) -> Iterator[Flask]:
    """The same database served by an application with a new signing key."""
    other = create_app(settings_for(database_url, LIENRX_SIGNING_KEY=crypto.new_signing_seed()))
    yield other
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def test_checkpoint_signed_by_a_retired_key_still_verifies(chain, runner, rotated, tmp_path):
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    take_checkpoint(runner, old)
    rotated_runner = rotated.test_cli_runner()
    with rotated.app_context():
        result = rotated_runner.invoke(args=["audit", "checkpoint", "--out", str(new)])
        assert result.exit_code == 0, result.output
        assert json.loads(old.read_text())["key_id"] != json.loads(new.read_text())["key_id"]
        result = rotated_runner.invoke(args=["audit", "verify", "--checkpoint", str(old),
                                             "--checkpoint", str(new)])
        assert result.exit_code == 0, result.output
        db.session.remove()
