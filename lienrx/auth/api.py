"""Auth and users API: tokens, the current user, account creation."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import current_app, g, session
from flask_login import current_user, logout_user

from lienrx.auth import services
from lienrx.auth.schemas import TokenRequestSchema, TokenSchema, UserCreateSchema, UserSchema
from lienrx.auth.sessions import sign_in_limit
from lienrx.core.api import ApiBlueprint
from lienrx.core.errors import Unauthenticated
from lienrx.core.security import ADMIN, ROLES, require_roles
from lienrx.core.unit_of_work import keeping_facts

blp = ApiBlueprint("auth_api", __name__, description="Sign-in tokens and user accounts")


@blp.route("/auth/token", methods=["POST"])
@sign_in_limit
@blp.arguments(TokenRequestSchema)
@blp.response(201, TokenSchema)
def issue_token(body: dict[str, Any]) -> dict[str, Any]:
    """Exchange an e-mail and password (and ``totp``, when enrolled) for a bearer token."""
    user = services.authenticate(body["email"], body["password"], body.get("totp"))
    if user is None:
        # the failed attempt's audit record outlives the refusal
        raise keeping_facts(Unauthenticated(services.SIGN_IN_REFUSED))
    hours = current_app.config["TOKEN_TTL_HOURS"]
    raw, token = services.issue_token(user, timedelta(hours=hours))
    return {"token": raw, "token_type": "Bearer", "expires_at": token.expires_at, "user": user}


@blp.route("/auth/logout", methods=["POST"])
@require_roles(*ROLES)
@blp.response(204)
def logout() -> None:
    """Sign out: revoke the bearer token sent, or end the browser session; then 401."""
    token_id = g.get("api_token_id")
    if token_id is not None:
        services.revoke_token(current_user, token_id)
        return
    services.signed_out(current_user)
    logout_user()
    session.clear()


@blp.route("/me", methods=["GET"])
@require_roles(*ROLES)
@blp.response(200, UserSchema)
def me() -> Any:
    """The signed-in user."""
    return current_user


@blp.route("/users", methods=["POST"])
@require_roles(ADMIN)
@blp.arguments(UserCreateSchema)
@blp.response(201, UserSchema)
def create_user(body: dict[str, Any]) -> Any:
    """Create an account (admins only)."""
    user = services.create_user(current_user, **body)
    return user


@blp.route("/users/<int:user_id>/deactivate", methods=["POST"])
@require_roles(ADMIN)
@blp.response(200, UserSchema)
def deactivate_user(user_id: int) -> Any:
    """Deactivate an account (admins only): its tokens and sessions stop working at once."""
    return services.deactivate_user(current_user, user_id)
