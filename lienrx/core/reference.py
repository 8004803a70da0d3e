"""Per-process copies of the reference data a dispense reads every time — the package NDCs,
the price list, the DUR rules and classes — which change only with a seed or an approval.

Triggers on those tables replace the database's reference token whenever one of them changes
(migration 8b1f4d6e2a90). A copy is kept with the token it was read under and used while the
token is the same, so every server process sees a change from its next transaction on. A
transaction reads the token once, and again after it writes anything (it may have written
reference data itself).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, SessionTransaction, mapped_column

from lienrx.extensions import db

T = TypeVar("T")
_SEEN = "lienrx.reference_seen"  # session.info: the token this transaction read
_copies: dict[str, tuple[str | None, Any]] = {}


class ReferenceToken(db.Model):  # type: ignore[name-defined]
    """The one row whose token the triggers replace (absent until reference data is written)."""

    __tablename__ = "reference_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(sa.String(32))


def _token() -> str | None:
    session = db.session()
    if _SEEN not in session.info:
        session.info[_SEEN] = session.scalar(
            sa.select(ReferenceToken.token).where(ReferenceToken.id == 1))
    token: str | None = session.info[_SEEN]
    return token


def cached(name: str, load: Callable[[], T]) -> T:
    """The process's copy of ``name``, read again with ``load`` when the token has changed."""
    token = _token()
    held = _copies.get(name)
    if held is not None and held[0] == token:
        value: T = held[1]
        return value
    value = load()
    _copies[name] = (token, value)
    return value


def _forget(session: Session) -> None:
    session.info.pop(_SEEN, None)


@sa.event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: Any) -> None:
    _forget(session)


@sa.event.listens_for(Session, "after_transaction_end")
def _after_transaction(session: Session, _transaction: SessionTransaction) -> None:
    _forget(session)


@sa.event.listens_for(Session, "do_orm_execute")
def _before_write(state: ORMExecuteState) -> None:
    if not state.is_select:
        _forget(state.session)
