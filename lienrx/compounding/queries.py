"""Read models of compounded batches for the pharmacy's pages (no PHI: batches name no one)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from lienrx.compounding.models import CompoundingRecord
from lienrx.core.paging import Page, fetch_page
from lienrx.extensions import db

LIMIT = 100
RECENT = 25


def pending_batches() -> Page[CompoundingRecord]:
    """Batches waiting for a pharmacist's verification, oldest first (the first ``LIMIT``
    and how many there are)."""
    return fetch_page(
        sa.select(CompoundingRecord).where(CompoundingRecord.status == "pending_verification")
        .order_by(CompoundingRecord.id), page_size=LIMIT)


def recent_batches() -> list[CompoundingRecord]:
    """The latest batches of any status."""
    return list(db.session.execute(
        sa.select(CompoundingRecord).order_by(CompoundingRecord.id.desc()).limit(RECENT))
        .scalars())


def dispensable_batches(product_id: int, today: date) -> list[CompoundingRecord]:
    """Verified batches of a product with stock left and their BUD still ahead."""
    return list(db.session.execute(
        sa.select(CompoundingRecord).where(
            CompoundingRecord.product_id == product_id,
            CompoundingRecord.status == "verified",
            CompoundingRecord.beyond_use_date > today,
            CompoundingRecord.remaining_quantity > Decimal(0))
        .order_by(CompoundingRecord.beyond_use_date)).scalars())
