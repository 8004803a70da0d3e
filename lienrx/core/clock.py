"""The one source of the current time, so tests can freeze it in one place.

Moments are UTC (:func:`utcnow`); business dates (fill dates, BUDs, prescription expiry,
refill timing, payoff validity, aging) are the pharmacy's local date (:func:`today`,
:func:`local_date`), in the time zone the application configures (``LIENRX_TIMEZONE``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

DEFAULT_TIMEZONE = "America/Chicago"
# How far ahead of this server's clock a time typed from another clock may be and still count
# as past (a wall clock, a phone, a terminal running a little fast).
CLOCK_SKEW = timedelta(minutes=5)

_frozen: datetime | None = None
_zone: tzinfo = ZoneInfo(DEFAULT_TIMEZONE)


def configure(zone: str | tzinfo) -> None:
    """Set the pharmacy's time zone (an IANA name or a tzinfo); the application does it once."""
    global _zone
    _zone = ZoneInfo(zone) if isinstance(zone, str) else zone


def timezone() -> tzinfo:
    """The pharmacy's time zone."""
    return _zone


def utcnow() -> datetime:
    """Return the current time, timezone-aware UTC."""
    return _frozen if _frozen is not None else datetime.now(UTC)


def in_future(moment: datetime, skew: timedelta = CLOCK_SKEW) -> bool:
    """Whether a recorded moment lies ahead of now, beyond ``skew``."""
    return moment > utcnow() + skew


def local_date(moment: datetime) -> date:
    """The pharmacy's calendar date at an aware ``moment``."""
    if moment.tzinfo is None:
        raise ValueError("local_date() needs an aware datetime")
    return moment.astimezone(_zone).date()


def local_datetime(moment: datetime) -> datetime:
    """An aware ``moment`` on the pharmacy's clock (for showing a time of day)."""
    return moment.astimezone(_zone)


def today() -> date:
    """Return today's date at the pharmacy (its local date, not UTC's)."""
    return local_date(utcnow())


def freeze(moment: datetime | None) -> None:
    """Freeze the clock at an aware datetime, in any zone (tests only); None unfreezes it."""
    global _frozen
    if moment is not None and moment.tzinfo is None:
        raise ValueError("freeze() needs an aware datetime")
    _frozen = None if moment is None else moment.astimezone(UTC)
