"""Rate-limit counters kept in the application's own database.

Flask-Limiter's in-memory storage is per process: behind gunicorn's workers a client would get
several allowances instead of one. Without ``REDIS_URL`` the limits live here instead, shared
by every worker (fixed windows: a counter and the moment it expires, per key).
"""

from __future__ import annotations

import hashlib
import math
import time
from typing import Any

import sqlalchemy as sa
from limits.storage import Storage
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.pool import NullPool

from lienrx.extensions import db

SCHEME = "lienrx+db"


class RateLimitCounter(db.Model):  # type: ignore[name-defined]
    """How often a rate-limited key (e.g. failed sign-ins from one address) was hit lately."""

    __tablename__ = "rate_limit_counters"

    key: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    count: Mapped[int]
    expires_at: Mapped[float]  # epoch seconds


_TABLE = RateLimitCounter.__table__


class DatabaseStorage(Storage):
    """A `limits` storage over the application's database (``lienrx+db://``, option ``url``)."""

    STORAGE_SCHEME = [SCHEME]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False,
                 **options: Any) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions)
        url = sa.make_url(str(options["url"]))
        sqlite_file = url.get_backend_name() == "sqlite"
        self.engine = sa.create_engine(
            url, isolation_level="AUTOCOMMIT",
            # SQLite: no pooled handle may outlive a replaced file; wait for the write lock
            **({"poolclass": NullPool, "connect_args": {"timeout": 30}} if sqlite_file
               else {"pool_size": 2, "pool_pre_ping": True}))
        self._insert = sqlite.insert if sqlite_file else postgresql.insert

    @property
    def base_exceptions(self) -> type[Exception]:
        return sa.exc.SQLAlchemyError

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        now = time.time()
        fresh = self._insert(_TABLE).values(key=key, count=amount, expires_at=now + expiry)
        expired = _TABLE.c.expires_at <= now
        statement = fresh.on_conflict_do_update(
            index_elements=[_TABLE.c.key],
            set_={"count": sa.case((expired, amount), else_=_TABLE.c.count + amount),
                  "expires_at": sa.case((expired, now + expiry),
                                        else_=_TABLE.c.expires_at)},
        ).returning(_TABLE.c.count)
        with self.engine.connect() as conn:
            return int(conn.execute(statement).scalar_one())

    def get(self, key: str) -> int:
        with self.engine.connect() as conn:
            count = conn.execute(sa.select(_TABLE.c.count).where(
                _TABLE.c.key == key, _TABLE.c.expires_at > time.time())).scalar()
        return int(count or 0)

    def get_expiry(self, key: str) -> float:
        with self.engine.connect() as conn:
            expires = conn.execute(sa.select(_TABLE.c.expires_at).where(
                _TABLE.c.key == key)).scalar()
        return float(expires) if expires is not None else time.time()

    def check(self) -> bool:
        try:
            with self.engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
        except sa.exc.SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        with self.engine.connect() as conn:
            return conn.execute(sa.delete(_TABLE)).rowcount

    def clear(self, key: str) -> None:
        with self.engine.connect() as conn:
            conn.execute(sa.delete(_TABLE).where(_TABLE.c.key == key))


class FailureBackoff:
    """Exponential backoff on the repeated failures of one subject, e.g. sign-ins to an account.

    After ``free`` failures within ``window`` seconds, each further attempt is refused for
    2^(failures - free) seconds, at most ``cap``: counted across addresses, kept in the rate
    limiter's storage (this database or Redis), so every worker sees the same state. Only the
    subject's SHA-256 is stored.
    """

    def __init__(self, storage: Storage, scope: str, *, free: int, cap: int,
                 window: int) -> None:
        self.storage, self.scope = storage, scope
        self.free, self.cap, self.window = free, cap, window

    def _keys(self, subject: str) -> tuple[str, str]:
        digest = hashlib.sha256(subject.encode()).hexdigest()
        return f"lienrx/{self.scope}/failures/{digest}", f"lienrx/{self.scope}/wait/{digest}"

    def retry_after(self, subject: str) -> int:
        """Seconds until ``subject`` may try again; 0 when it may try now."""
        _, wait = self._keys(subject)
        if self.storage.get(wait) <= 0:
            return 0
        return max(1, math.ceil(self.storage.get_expiry(wait) - time.time()))

    def failed(self, subject: str) -> int:
        """Count a failure; returns the seconds the subject must now wait (0: none)."""
        failures, wait = self._keys(subject)
        count = self.storage.incr(failures, self.window)
        if count < self.free:
            return 0
        seconds = min(2 ** min(count - self.free, 32), self.cap)
        self.storage.incr(wait, seconds)  # a fresh key: the previous wait has run out
        return seconds

    def succeeded(self, subject: str) -> None:
        """A success forgets the failures."""
        for key in self._keys(subject):
            self.storage.clear(key)
