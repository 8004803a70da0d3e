"""Roles, role checks and safe redirects."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask_login import current_user

from lienrx.core.errors import Forbidden, Unauthenticated

ADMIN, PHARMACIST, TECHNICIAN, BILLING, ATTORNEY = (
    "admin",
    "pharmacist",
    "technician",
    "billing",
    "attorney",
)
ROLES = (ADMIN, PHARMACIST, TECHNICIAN, BILLING, ATTORNEY)
STAFF = (ADMIN, PHARMACIST, TECHNICIAN, BILLING)

F = TypeVar("F", bound=Callable[..., Any])


def require_roles(*roles: str) -> Callable[[F], F]:
    """Refuse the call unless the signed-in user holds one of ``roles`` (401, then 403)."""

    def decorator(func: F) -> F:
        @wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                raise Unauthenticated("Sign in or send a bearer token.")
            if current_user.role not in roles:
                raise Forbidden("Your account's role may not do this.")
            return func(*args, **kwargs)

        wrapper.allowed_roles = roles  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorator


def safe_next_url(target: str | None) -> str | None:
    """Return ``target`` only if it is a local path on this site, else None."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(c) < 32 for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target
