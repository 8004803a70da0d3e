"""What a piece of work sends to the database, for tests (and benchmarks) that count it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa


def sent(work: Callable[[], Any], engine: sa.Engine) -> list[str]:
    """The SQL statements ``work()`` sends through ``engine``, in order."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        work()
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    return seen


def selects(statements: list[str]) -> list[str]:
    """The SELECTs among ``statements``."""
    return [s for s in statements if s.lstrip().upper().startswith("SELECT")]
