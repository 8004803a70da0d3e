"""The one source of the current time, so tests can freeze it in one place."""

from __future__ import annotations

from datetime import UTC, date, datetime

_frozen: datetime | None = None


def utcnow() -> datetime:
    """Return the current time, timezone-aware UTC."""
    return _frozen if _frozen is not None else datetime.now(UTC)


def today() -> date:
    """Return today's date (UTC)."""
    return utcnow().date()


def freeze(moment: datetime | None) -> None:
    """Freeze the clock at an aware datetime (tests only); None unfreezes it."""
    global _frozen
    if moment is not None and moment.tzinfo is None:
        raise ValueError("freeze() needs an aware datetime")
    _frozen = moment
