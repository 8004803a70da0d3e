"""What notifications store of their own: when each user last marked them read."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from lienrx.core.db import UTCDateTime
from lienrx.extensions import db


class ReadMark(db.Model):  # type: ignore[name-defined]
    """The moment a user last marked their notifications read.

    Notifications are derived from the records (fills, statements, answers, closings) newer
    than this; nothing else about them is stored.
    """

    __tablename__ = "notification_read_marks"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    read_at: Mapped[datetime] = mapped_column(UTCDateTime)

