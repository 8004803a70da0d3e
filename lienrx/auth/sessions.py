"""How a request becomes a user: the browser session cookie or a bearer token."""

from __future__ import annotations

from typing import Any

from flask import Request, current_app, g

from lienrx.auth import services
from lienrx.auth.models import User
from lienrx.core.errors import Unauthenticated
from lienrx.extensions import limiter, login_manager


@login_manager.user_loader
def load_session_user(session_id: str) -> User | None:
    """The signed-in browser user, if still active and the session not ended since."""
    return services.user_for_session(session_id)


@login_manager.request_loader
def load_bearer_user(request: Request) -> User | None:
    """The user behind ``Authorization: Bearer <token>``."""
    scheme, _, raw = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        return None
    token = services.token_for(raw.strip())
    if token is None:
        return None
    g.auth_via_token = True
    g.api_token_id = token.id
    return token.user


@login_manager.unauthorized_handler
def unauthorized() -> None:
    """Anonymous access: the error handlers answer 401 (API) or redirect to sign-in (pages)."""
    raise Unauthenticated("Sign in or send a bearer token.")


def login_limit() -> str:
    """The sign-in rate limit, from configuration."""
    return str(current_app.config["LOGIN_RATE_LIMIT"])


def count_failed_logins(response: Any) -> bool:
    """Only failed attempts count towards the sign-in rate limit."""
    return response.status_code == 401 or bool(g.get("login_failed"))


# One bucket per client address for both ways of signing in (the page and /auth/token), so
# an attacker cannot double the guesses by alternating them.
sign_in_limit = limiter.shared_limit(login_limit, scope="sign-in", methods=["POST"],
                                     deduct_when=count_failed_logins)
