"""Users, their roles, and the API tokens they hold."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lienrx.core import clock
from lienrx.core.crypto import EncryptedText
from lienrx.core.db import UTCDateTime, one_of
from lienrx.core.security import ATTORNEY, ROLES
from lienrx.extensions import db
from lienrx.parties.models import LawFirm


class User(UserMixin, db.Model):  # type: ignore[name-defined]
    """Someone who signs in: staff of the pharmacy, or an attorney or paralegal of one firm."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)  # stored lower-cased
    name: Mapped[str] = mapped_column(sa.String(200))
    role: Mapped[str] = mapped_column(sa.String(20))
    law_firm_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("law_firms.id", ondelete="RESTRICT"), index=True)
    license_number: Mapped[str | None] = mapped_column(sa.String(60))
    active: Mapped[bool] = mapped_column(default=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    # Browser sessions carry the generation they were issued under; raising it (sign-out,
    # deactivation) makes every earlier session cookie, even a copied one, stop working.
    credential_generation: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.utcnow)
    # the last browser sign-in or API token issued; None until the first
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    law_firm: Mapped[LawFirm | None] = relationship()

    __table_args__ = (
        one_of("role", ROLES, "role_known"),
        sa.CheckConstraint(
            f"(role = '{ATTORNEY}') = (law_firm_id IS NOT NULL)", name="firm_iff_attorney"),
    )

    @property
    def is_active(self) -> bool:  # flask-login
        return self.active

    def get_id(self) -> str:  # flask-login: what the session cookie stores
        return f"{self.id}:{self.credential_generation}"


class ApiToken(db.Model):  # type: ignore[name-defined]
    """A bearer token. Only its SHA-256 is stored; the token itself is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # signed out or cut off

    user: Mapped[User] = relationship()


class TotpFactor(db.Model):  # type: ignore[name-defined]
    """A user's time-based one-time-password second factor (RFC 6238, an authenticator app).

    The shared secret is encrypted at rest. Until ``confirmed_at`` is set the enrolment is
    pending: the secret is shown to its owner once, and it counts for nothing until a code made
    from it is entered. ``last_used_step`` is the 30-second time step of the last code accepted,
    so the same code is never accepted twice.
    """

    __tablename__ = "totp_factors"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    secret: Mapped[str] = mapped_column(EncryptedText)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_step: Mapped[int | None] = mapped_column(sa.BigInteger)

    user: Mapped[User] = relationship()
