"""Row locks, taken in one order by every path, so two transactions never wait on each other.

A deadlock needs two transactions that lock the same rows in opposite orders (a dispense
locking its prescription then the case while a reversal locked the case then the
prescription). Every ``SELECT … FOR UPDATE`` in LienRx goes through :func:`lock`, which takes
the rows of a table only after every table before it in :data:`ORDER` and never after a table
that comes later:

    users → totp_factors → cases → prescriptions → products → compounding_records → inventory_lots
          → dispenses → dur_alerts → reduction_requests → outbox_messages
          → pdmp_state_locks → audit_chain_heads

So a path that needs a row it cannot name yet (a reversal knows its dispense, not the case)
reads it without a lock first, takes the locks in order, and re-reads the row under its lock
(``populate_existing``). The audit chain head comes last: it is locked by the commit itself.

The order binds a request, the unit of work that runs beside others. Taking a table out of
order there is a programming error: under tests and in debug mode it raises
:class:`LockOrderError` at once; in production it is logged, and the unit of work's retry on
a deadlock (``lienrx.core.unit_of_work``) keeps the request from failing. A command or a seed
loader may run many use cases in its one transaction (case after case, each in order); it
runs alone, and is not checked.
"""

from __future__ import annotations

import logging
from typing import Any, TypeVar, cast

import sqlalchemy as sa
from flask import current_app, has_request_context
from sqlalchemy.orm import Session, SessionTransaction

from lienrx.extensions import db

log = logging.getLogger("lienrx.locks")

ORDER: tuple[str, ...] = (
    "users",  # an admin's change of accounts (the last active admin is kept), before all
    "totp_factors",  # proving who signs comes before the work the signature covers
    "cases",
    "prescriptions",
    "products",
    "compounding_records",
    "inventory_lots",  # a batch or dispense draws stock after locking its own rows
    "dispenses",
    "dur_alerts",
    "reduction_requests",
    "outbox_messages",  # a delivery worker's claim (skip locked), alone in its transaction
    "pdmp_state_locks",  # a PDMP generation, per state: before it reads what to report
    "audit_chain_heads",
)
RANK = {table: rank for rank, table in enumerate(ORDER)}

_TAKEN = "lienrx.locks.taken"

M = TypeVar("M")


class LockOrderError(RuntimeError):
    """A path locked a table after one that comes later in :data:`ORDER`."""


def _held(session: Session) -> list[tuple[str, object]]:
    found: list[tuple[str, object]] = session.info.setdefault(_TAKEN, [])
    return found


def taken(session: Session | None = None) -> list[str]:
    """The tables locked so far in the session's transaction, in the order they were locked."""
    return [table for table, _ in _held(session if session is not None else db.session())]


def _claim(session: Session, table: str, key: object) -> None:
    """Record the lock of row ``key`` of ``table``; a row already held is no new lock."""
    held = _held(session)
    if (table, key) in held:
        return
    later = [t for t, _ in held if RANK[t] > RANK[table]]
    if later and has_request_context():
        message = (f"{table} locked after {later[-1]}: the lock order is "
                   f"{' → '.join(ORDER)}")
        if current_app.testing or current_app.debug:
            raise LockOrderError(message)
        log.error("lock order broken: %s", message)
    held.append((table, key))


def lock(query: sa.Select[Any], model: type[M], *, session: Session | None = None,
         skip_locked: bool = False) -> M | None:
    """Run ``query`` with ``FOR NO KEY UPDATE OF`` ``model``'s table (PostgreSQL), in the
    order of :data:`ORDER`. Lockers wait for each other; a row that only refers to the locked
    one (a disclosure, a posting: its foreign key share-locks it) is not held up by the lock.

    The row is re-read under the lock (``populate_existing``): a copy loaded before the lock
    was taken may be stale. ``skip_locked`` passes over rows another transaction holds (a
    queue's workers each take a different row) instead of waiting for them.
    """
    session = session if session is not None else db.session()
    table: str = model.__tablename__  # type: ignore[attr-defined]
    if table not in RANK:
        raise LockOrderError(f"{table} has no place in lienrx.core.locks.ORDER; add it there.")
    found = session.execute(
        query.with_for_update(of=model, skip_locked=skip_locked, key_share=True)
        .execution_options(populate_existing=True)
    ).unique().scalar_one_or_none()
    if found is not None:
        _claim(session, table, sa.inspect(found).identity)
    return cast("M | None", found)


def lock_all(query: sa.Select[Any], model: type[M], *,
             session: Session | None = None) -> list[M]:
    """Like :func:`lock` for every row ``query`` selects (order it, by id, so two paths take
    the rows in the same order)."""
    session = session if session is not None else db.session()
    table: str = model.__tablename__  # type: ignore[attr-defined]
    if table not in RANK:
        raise LockOrderError(f"{table} has no place in lienrx.core.locks.ORDER; add it there.")
    found = list(session.execute(
        query.with_for_update(of=model, key_share=True).execution_options(populate_existing=True)
    ).unique().scalars())
    for row in found:
        _claim(session, table, sa.inspect(row).identity)
    return cast("list[M]", found)


def _forget(session: Session, transaction: SessionTransaction) -> None:
    """Locks end with the outermost transaction; so does the record of them."""
    if transaction.parent is None and not transaction.nested:
        session.info.pop(_TAKEN, None)


sa.event.listen(Session, "after_transaction_end", _forget)

