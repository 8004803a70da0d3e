"""The request is the unit of work (indico's ``RH.process()``).

A request commits once, when its handler returns normally, and rolls back on any exception.
Handlers, page helpers and decorators never commit. Services queue work for the commit (the
audit events of writes and PHI reads) in :func:`queued`, so a read is audited because its
service recorded it, not because a view remembered to commit.

One named path refuses but keeps the facts: a refusal marked :func:`keeping_facts` (a DUR
refusal keeps the alerts it found; a failed sign-in keeps its audit record) commits the work
done before it, both when it reaches the request boundary (the API) and when a page catches it
through :func:`attempt` to show it next to the form.

A transaction that loses a race it could not have avoided — PostgreSQL ends one side of a
deadlock (40P01) or a serialization failure (40001) — is rolled back whole and the request
run again, up to :data:`RETRIES` more times after a short random pause; nothing of the failed
try survives it (its writes, audit events and idempotency claim go with the rollback). If
every try loses, or SQLite's write lock stayed taken for its whole busy timeout, the answer is
a 503 with ``Retry-After``: nothing was saved, and the client may send the request again.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import Flask, g, request
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, SessionTransaction

from lienrx.core.errors import LienRxError, ServiceUnavailable
from lienrx.extensions import db

log = logging.getLogger("lienrx.unit_of_work")
T = TypeVar("T")
E = TypeVar("E", bound=LienRxError)

QUEUE = "lienrx.unit_of_work.queue"

RETRIES = 2  # runs of a request after the first, when it lost a deadlock or serialization race
BACKOFF_SECONDS = 0.05  # the pause before a retry: random, up to this times the try number
RETRY_AFTER_SECONDS = 1
# SQLSTATEs after which the same transaction, run again, can succeed.
RETRYABLE_SQLSTATES = {"40P01": "deadlock", "40001": "serialization failure"}

log = logging.getLogger("lienrx.unit_of_work")


def queued(session: Session) -> list[Any]:
    """The session's work waiting for the commit (sealed by a ``before_commit`` listener)."""
    queue: list[Any] = session.info.setdefault(QUEUE, [])
    return queue


def keeping_facts(error: E) -> E:
    """Mark a refusal whose work done so far must be committed, not rolled back."""
    error.keeps_facts = True
    return error


def attempt(call: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a use case in a savepoint: a refusal undoes its writes unless it keeps the facts.

    For pages that catch a refusal to show it: the request goes on and commits what stays.
    """
    with db.session.begin_nested():  # released on return, rolled back by an error leaving it
        try:
            return call(*args, **kwargs)
        except LienRxError as error:
            if not error.keeps_facts:
                raise
            refusal = error
    raise refusal


_MARKS = "lienrx.unit_of_work.savepoint_marks"


def _mark_savepoint(session: Session, transaction: SessionTransaction) -> None:
    if transaction.nested:
        session.info.setdefault(_MARKS, {})[id(transaction)] = len(queued(session))


def _drop_rolled_back(session: Session, transaction: SessionTransaction) -> None:
    """What a rolled-back savepoint queued goes with it."""
    mark = session.info.get(_MARKS, {}).pop(id(transaction), None)
    if transaction.nested and mark is not None:
        del queued(session)[mark:]


_AFTER = "lienrx.unit_of_work.after_end"


def after_transaction(session: Session, callback: Callable[[], Any]) -> None:
    """Run ``callback`` once the session's transaction has ended, committed or rolled back.

    For bookkeeping kept on another connection that must neither wait for the transaction's
    locks (SQLite's single writer) nor be undone with it: the sign-in failure counters.
    """
    if session.in_transaction():
        session.info.setdefault(_AFTER, []).append(callback)
    else:
        callback()


def _end(session: Session, transaction: SessionTransaction) -> None:
    """A transaction that ended without sealing its queue (rolled back, closed) voids it."""
    if transaction.parent is None and not transaction.nested:
        session.info.pop(QUEUE, None)
        session.info.pop(_MARKS, None)
        for callback in session.info.pop(_AFTER, []):
            try:
                callback()
            except Exception:  # the transaction is over: a failure here must not undo it
                log.exception("after-transaction work failed")


sa.event.listen(Session, "after_transaction_create", _mark_savepoint)
sa.event.listen(Session, "after_soft_rollback", _drop_rolled_back)
sa.event.listen(Session, "after_transaction_end", _end)


def _commit() -> None:
    try:
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


def lost_race(error: BaseException) -> str | None:
    """What race ``error`` lost, if a retry of the whole transaction may succeed."""
    if isinstance(error, DBAPIError):
        return RETRYABLE_SQLSTATES.get(getattr(error.orig, "sqlstate", None) or "")
    return None


def database_busy(error: BaseException) -> bool:
    """SQLite's write lock stayed taken for the whole busy timeout (``database is locked``).

    Not retried: the connection has already waited its busy timeout (30 s) for the lock.
    """
    return (isinstance(error, DBAPIError) and error.orig is not None
            and type(error.orig).__module__ == "sqlite3"
            and "database is locked" in str(error.orig))


def _rewind_request() -> None:
    """Make the request readable again for the next run: the body is cached, files are not."""
    for upload in (request.__dict__.get("files") or {}).values():
        upload.stream.seek(0)


def _unavailable() -> ServiceUnavailable:
    return ServiceUnavailable(
        "The request met a conflicting one and could not finish; nothing was saved. "
        "Send it again in a moment.", retry_after=RETRY_AFTER_SECONDS)


class UnitOfWorkFlask(Flask):
    """Flask whose every request is one transaction: commit on success, roll back on error;
    a transaction that lost a deadlock or serialization race is run again."""

    def dispatch_request(self) -> Any:  # type: ignore[override]
        tries = 1 + RETRIES
        for try_number in range(1, tries + 1):
            try:
                return self._dispatch_once()
            except DBAPIError as error:
                race = lost_race(error)
                if race is None and not database_busy(error):
                    raise
                db.session.rollback()  # already done; says so here, where the retry starts
                if race is None or try_number == tries:
                    log.warning("request_id=%s gave up after %d tries: %s", g.get("request_id"),
                                try_number, race or "database busy")
                    raise _unavailable() from error
                log.info("request_id=%s lost a %s; running it again", g.get("request_id"), race)
                time.sleep(random.uniform(0, BACKOFF_SECONDS * try_number))  # noqa: S311 - jitter
                _rewind_request()
        raise AssertionError("unreachable")  # pragma: no cover

    def _dispatch_once(self) -> Any:
        try:
            response = super().dispatch_request()
        except BaseException as error:
            if isinstance(error, LienRxError) and error.keeps_facts:
                _commit()
            else:
                db.session.rollback()
            raise
        _commit()
        return response
