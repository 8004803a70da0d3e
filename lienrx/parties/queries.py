"""Read models of parties for the staff pages' pickers: law firms and prescribers (no PHI)."""

from __future__ import annotations

import sqlalchemy as sa

from lienrx.extensions import db
from lienrx.parties.models import LawFirm, Prescriber

LIMIT = 100


def law_firms() -> list[LawFirm]:
    """Every law firm by name (for pickers)."""
    return list(db.session.execute(sa.select(LawFirm).order_by(LawFirm.name)).scalars())


def find_prescribers(text: str) -> list[Prescriber]:
    """Prescribers whose NPI or DEA number is ``text`` or whose last name starts with it."""
    text = text.strip()
    if not text:
        return []
    return list(db.session.execute(
        sa.select(Prescriber).where(sa.or_(
            Prescriber.npi == text, Prescriber.dea_number == text.upper(),
            sa.func.lower(Prescriber.last_name).startswith(text.lower(), autoescape=True)))
        .order_by(Prescriber.last_name, Prescriber.first_name).limit(LIMIT)).scalars())


def prescribers() -> list[Prescriber]:
    """Every prescriber by name (for the prescription form)."""
    return list(db.session.execute(
        sa.select(Prescriber).order_by(Prescriber.last_name, Prescriber.first_name)).scalars())
