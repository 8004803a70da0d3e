"""Idempotency keys for money-moving POSTs (API.md conventions).

Same key + same body → the first response again, nothing new posted. Same key + another
body → 409 ``idempotency_key_reused``. Only 2xx responses are kept: a refused request may be
retried under the same key. The key row is inserted before the work, in the same transaction,
so two concurrent requests with one key cannot both post (the unique index makes the second
wait, then fail, then replay).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import Response, request
from flask_login import current_user
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column

from lienrx.core import clock
from lienrx.core.canonical import dumps_canonical
from lienrx.core.crypto import EncryptedText
from lienrx.core.db import UTCDateTime
from lienrx.core.errors import BadRequest, Conflict
from lienrx.extensions import db

HEADER = "Idempotency-Key"
FORM_FIELD = "submission_key"
MAX_KEY_LENGTH = 200

F = TypeVar("F", bound=Callable[..., Any])


class IdempotencyKey(db.Model):  # type: ignore[name-defined]
    """A client's idempotency key for one money-moving request, with the response it got."""

    __tablename__ = "idempotency_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(sa.String(MAX_KEY_LENGTH))
    request_hash: Mapped[str] = mapped_column(sa.String(64))
    response_status: Mapped[int | None]
    response_body: Mapped[str | None] = mapped_column(EncryptedText)  # may carry PHI
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.utcnow)

    __table_args__ = (sa.UniqueConstraint("user_id", "key"),)


def _request_hash() -> str:
    raw = request.get_data(cache=True)
    try:
        body: Any = dumps_canonical(json.loads(raw)) if raw else b""
    except ValueError:
        body = raw
    return hashlib.sha256(request.method.encode() + b" " + request.path.encode() + b"\n"
                          + body).hexdigest()


def _find(user_id: int, key: str) -> IdempotencyKey | None:
    return db.session.execute(
        sa.select(IdempotencyKey).where(IdempotencyKey.user_id == user_id,
                                        IdempotencyKey.key == key)).scalar_one_or_none()


def _replay(stored: IdempotencyKey, request_hash: str) -> Response:
    if stored.request_hash != request_hash:
        raise Conflict("idempotency_key_reused",
                       "This Idempotency-Key was already used for a different request.")
    if stored.response_status is None:
        raise Conflict("idempotency_key_in_progress",
                       "A request with this Idempotency-Key is still being processed.")
    response = Response(stored.response_body, status=stored.response_status,
                        mimetype="application/json")
    response.headers["Idempotent-Replayed"] = "true"
    return response


def _withdraw(claim: IdempotencyKey) -> None:
    """Take the claim back when the request is refused: only 2xx responses are kept.

    A refusal that keeps its facts is committed by the unit of work; the claim must not be.
    """
    try:
        db.session.delete(claim)
        db.session.flush()
    except SQLAlchemyError:
        db.session.rollback()  # the refusal rolls everything back anyway


def idempotent(view: F) -> F:
    """Honour an optional ``Idempotency-Key`` header.

    The claim and the stored response join the request's unit of work, so a replayable
    result is durable exactly when the work is.
    """

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        key = request.headers.get(HEADER)
        if key is None:
            return view(*args, **kwargs)
        key = key.strip()
        if not key or len(key) > MAX_KEY_LENGTH:
            raise BadRequest(f"{HEADER} must be 1 to {MAX_KEY_LENGTH} characters.")
        request_hash, user_id = _request_hash(), current_user.id
        claim = IdempotencyKey(user_id=user_id, key=key, request_hash=request_hash)
        db.session.add(claim)
        try:
            # New keys cost one insert; a used key fails on the unique index (a concurrent
            # twin waits there until the first commits) and is then looked up and replayed.
            db.session.flush()
        except IntegrityError:
            db.session.rollback()
            stored = _find(user_id, key)
            if stored is None:
                raise
            return _replay(stored, request_hash)
        try:
            response = view(*args, **kwargs)
        except Exception:
            _withdraw(claim)
            raise
        claim.response_status = response.status_code
        claim.response_body = response.get_data(as_text=True)
        return response

    wrapper.honours_idempotency_key = True  # type: ignore[attr-defined]  # the OpenAPI document
    return wrapper  # type: ignore[return-value]


def new_submission_key() -> str:
    """A one-time key for a page's money form (rendered into it as a hidden field)."""
    return uuid.uuid4().hex


def _form_key() -> str | None:
    key = (request.form.get(FORM_FIELD) or "").strip()[:64]
    return f"form:{key}" if key else None


def submission_used() -> bool:
    """Whether the posted form's one-time key has already done its work."""
    key = _form_key()
    return key is not None and _find(current_user.id, key) is not None


def claim_submission() -> bool:
    """Claim the posted form's one-time key after its work succeeded; False if a twin won,
    and then the whole request's work is rolled back (the twin's work stands).

    Call it after the work: the claim commits with the work, and a form refused for bad
    input keeps its key for the corrected resend. A form without a key is not protected.
    """
    key = _form_key()
    if key is None:
        return True
    claim = IdempotencyKey(user_id=current_user.id, key=key, request_hash=_request_hash(),
                           response_status=303)
    try:
        with db.session.begin_nested():  # a twin submit waits here, then fails
            db.session.add(claim)
    except IntegrityError:
        db.session.rollback()
        return False
    return True
