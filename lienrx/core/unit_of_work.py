"""The request is the unit of work (indico's ``RH.process()``).

A request commits once, when its handler returns normally, and rolls back on any exception.
Handlers, page helpers and decorators never commit. Services queue work for the commit (the
audit events of writes and PHI reads) in :func:`queued`, so a read is audited because its
service recorded it, not because a view remembered to commit.

One named path refuses but keeps the facts: a refusal marked :func:`keeping_facts` (a DUR
refusal keeps the alerts it found; a failed sign-in keeps its audit record) commits the work
done before it, both when it reaches the request boundary (the API) and when a page catches it
through :func:`attempt` to show it next to the form.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session, SessionTransaction

from lienrx.core.errors import LienRxError
from lienrx.extensions import db

log = logging.getLogger("lienrx.unit_of_work")
T = TypeVar("T")
E = TypeVar("E", bound=LienRxError)

QUEUE = "lienrx.unit_of_work.queue"


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
    savepoint = db.session.begin_nested()
    try:
        result = call(*args, **kwargs)
    except LienRxError as error:
        if error.keeps_facts:
            savepoint.commit()
        else:
            savepoint.rollback()
        raise
    except BaseException:
        savepoint.rollback()
        raise
    savepoint.commit()
    return result


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


def _finish_refused(error: BaseException) -> None:
    if isinstance(error, LienRxError) and error.keeps_facts:
        _commit()
    else:
        db.session.rollback()


def _commit() -> None:
    try:
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


class UnitOfWorkFlask(Flask):
    """Flask whose every request is one transaction: commit on success, roll back on error."""

    def dispatch_request(self) -> Any:  # type: ignore[override]
        try:
            response = super().dispatch_request()
        except BaseException as error:
            _finish_refused(error)
            raise
        _commit()
        return response
