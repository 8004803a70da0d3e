"""Record audit events and verify the chain."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import g, has_request_context
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lienrx.audit.models import AuditChainHead, AuditEvent
from lienrx.core import clock, locks
from lienrx.core.actors import Actor, actor_id
from lienrx.core.canonical import dumps_canonical
from lienrx.core.unit_of_work import QUEUE, queued
from lienrx.extensions import db

GENESIS = "0" * 64
_EVENTS: sa.Table = AuditEvent.__table__
_EVENT_COLUMNS = tuple(c.key for c in _EVENTS.columns if c.key != "id")  # the seal writes them


def _digest(event: AuditEvent | sa.Row[Any]) -> str:
    content = {
        "seq": event.seq,
        "occurred_at": event.occurred_at.isoformat(timespec="microseconds"),
        "actor_user_id": event.actor_user_id,
        "actor_label": event.actor_label,
        "action": event.action,
        "entity_type": event.entity_type,
        "entity_id": event.entity_id,
        "request_id": event.request_id,
        "details": event.details,
    }
    return hashlib.sha256(event.prev_hash.encode() + dumps_canonical(content)).hexdigest()


def record(actor: Actor | None, action: str, entity_type: str, entity_id: Any = None,
           details: dict[str, Any] | None = None) -> AuditEvent:
    """Record an event for ``actor`` (a User, or None for the system); it joins the chain
    when the transaction commits, and vanishes with it if the transaction rolls back.

    ``details`` must never hold PHI: ids, codes, amounts and counts only.
    """
    event = AuditEvent(
        occurred_at=clock.utcnow(),
        actor_user_id=actor_id(actor),
        actor_label=(f"{actor.role}:{actor.email}" if actor is not None else "system"),
        action=action,
        entity_type=entity_type,
        entity_id=None if entity_id is None else str(entity_id),
        request_id=g.get("request_id") if has_request_context() else None,
        details=details or {},
    )
    queued(db.session()).append(event)
    return event


def _seal(session: Session) -> None:
    """Chain the transaction's pending events, holding the head lock only until the commit.

    Appending at commit time keeps the one serialisation point every write shares (the chain
    head) out of the body of the transaction. SQLAlchemy also calls this when a savepoint is
    released; the events then wait for the outermost commit, so the head stays the last lock
    taken (``lienrx.core.locks.ORDER``) and is never held while the transaction goes on.
    """
    if session.in_nested_transaction():
        return
    pending = session.info.pop(QUEUE, None)
    if not pending:
        return
    head = locked_head(session)
    for event in pending:
        event.seq, event.prev_hash = head.seq + 1, head.hash
        event.hash = _digest(event)
        head.seq, head.hash = event.seq, event.hash
    # Plain inserts: an event is never read back in its own transaction, so the ORM need
    # not track it (nor fetch its id).
    session.execute(_EVENTS.insert(), [
        {column: getattr(event, column) for column in _EVENT_COLUMNS} for event in pending])
    session.flush()


sa.event.listen(Session, "before_commit", _seal)


def locked_head(session: Session) -> AuditChainHead:
    """The chain head, locked (last in ``lienrx.core.locks.ORDER``).

    The first commit of a new database creates it; a concurrent first commit waits on that
    insert, loses it, and then locks the row the winner made, instead of failing.
    """
    query = sa.select(AuditChainHead).where(AuditChainHead.id == 1)
    head = locks.lock(query, AuditChainHead, session=session)
    if head is None:
        try:
            with session.begin_nested():
                session.add(AuditChainHead(id=1, seq=0, hash=GENESIS))
        except IntegrityError:
            pass  # a twin made it first
        head = locks.lock(query, AuditChainHead, session=session)
    if head is None:  # inserted above or by the twin: it cannot be missing now
        raise RuntimeError("the audit chain head could not be created")
    return head


@dataclass(frozen=True)
class ChainProblem:
    """Where and how the chain is broken."""

    seq: int
    reason: str


def _events(batch: int = 5000) -> Iterator[sa.Row[Any]]:
    """Every event in insertion order as a plain row (no ORM object to build), a batch at a
    time (keyset pages, flat memory)."""
    columns, last_id = _EVENTS.columns, 0
    while True:
        page = db.session.execute(sa.select(*columns).where(AuditEvent.id > last_id)
                                  .order_by(AuditEvent.id).limit(batch)).all()
        yield from page
        if len(page) < batch:
            return
        last_id = page[-1].id


@dataclass(frozen=True)
class ChainWalk:
    """What a walk of the chain found: events verified, the last good hash, the first problem."""

    count: int
    last_hash: str
    problem: ChainProblem | None


def walk_chain() -> ChainWalk:
    """Walk the chain in insertion order, stopping at the first problem."""
    expected_prev, expected_seq, count = GENESIS, 1, 0
    for event in _events():
        if event.seq != expected_seq:
            return ChainWalk(count, expected_prev, ChainProblem(
                event.seq, f"expected event {expected_seq} here: "
                "an event was deleted or the events were reordered"))
        if event.prev_hash != expected_prev:
            return ChainWalk(count, expected_prev, ChainProblem(
                event.seq, "does not link to the event before it"))
        if _digest(event) != event.hash:
            return ChainWalk(count, expected_prev, ChainProblem(
                event.seq, "its content does not match its hash"))
        expected_prev, expected_seq, count = event.hash, expected_seq + 1, count + 1
    head = db.session.get(AuditChainHead, 1)
    if head is not None and (head.seq != count or head.hash != expected_prev):
        return ChainWalk(count, expected_prev, ChainProblem(
            count + 1, f"the chain head records {head.seq} events: "
            "events were removed from the end"))
    return ChainWalk(count, expected_prev, None)


def verify_chain() -> tuple[int, ChainProblem | None]:
    """Walk the chain in insertion order; return the count checked and the first problem."""
    walk = walk_chain()
    return walk.count, walk.problem


def event_hash(seq: int) -> str | None:
    """The stored hash of event ``seq``, or None when the chain holds no such event."""
    return db.session.execute(
        sa.select(AuditEvent.hash).where(AuditEvent.seq == seq)).scalar_one_or_none()


def chain_length() -> int:
    """The highest sequence number stored (0 for an empty chain)."""
    return int(db.session.execute(sa.select(sa.func.coalesce(sa.func.max(AuditEvent.seq), 0)))
               .scalar_one())
