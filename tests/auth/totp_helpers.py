"""Authenticator-app codes for tests: made from the secret at the frozen clock's time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp

from lienrx.auth import services as auth
from lienrx.core import clock

STEP = timedelta(seconds=30)


def freeze_mid_step() -> datetime:
    """Freeze the clock a few seconds into a 30-second step, so no code rolls over mid-test."""
    now = datetime.now(UTC).replace(microsecond=0)
    moment = now - timedelta(seconds=now.second % 30) + timedelta(seconds=5)
    clock.freeze(moment)
    return moment


def code(secret: str, at: datetime | None = None, steps: int = 0) -> str:
    """The app's code for ``secret`` at ``at`` (default: the clock) moved by ``steps`` steps."""
    return pyotp.TOTP(secret).at((at or clock.utcnow()) + steps * STEP)


def wrong_code(secret: str) -> str:
    """A well-formed code that no step in the accepted window makes."""
    taken = {code(secret, steps=s) for s in (-1, 0, 1)}
    return next(c for c in (f"{n:06d}" for n in range(1000, 999999, 7919)) if c not in taken)


def enrol(user) -> str:
    """Turn two-step sign-in on for ``user`` through the services; the secret."""
    secret = auth.start_totp_enrolment(user).secret
    auth.confirm_totp_enrolment(user, totp=code(secret, steps=-1))
    return secret
