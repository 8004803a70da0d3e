"""Refill timing (SPEC §4.4, §7.2): the supplies a patient still holds of a drug, and the
first day they allow a new fill.

A supply is read as a few columns, never as a whole dispense (whose label is encrypted), so
timing one prescription is one short query and timing a work queue's hundreds is one more.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_CEILING
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from lienrx.cases.models import Case
from lienrx.dispensing.models import Dispense
from lienrx.extensions import db
from lienrx.formulary import rules as formulary_rules
from lienrx.formulary.models import Product
from lienrx.prescribing import rules as rx_rules
from lienrx.prescribing.models import Prescription

# Supplies older than this cannot make a fill too soon (the longest supply is 365 days).
LOOKBACK = timedelta(days=366)


class Filled(Protocol):
    """What timing needs of a fill: when it went out and for how many days."""

    @property
    def dispensed_on(self) -> date: ...

    @property
    def days_supply(self) -> int: ...


@dataclass(frozen=True)
class Supply:
    """A fill the patient holds: what it was, when it went out and for how long."""

    dispense_id: int
    prescription_id: int
    patient_id: int
    product: str
    product_id: int
    active_ingredient: str | None
    route: str
    dispensed_on: date
    days_supply: int


def refill_due_on(prescription: Any, previous: Filled) -> date:
    """The first day the next fill of ``prescription`` (its schedule's threshold) is not too
    soon after ``previous``."""
    threshold = rx_rules.refill_too_soon_threshold(prescription.schedule)
    wait = (threshold * previous.days_supply).to_integral_value(rounding=ROUND_CEILING)
    return previous.dispensed_on + timedelta(days=int(wait))


def _same_drug(product: Product, supply: Supply) -> bool:
    """Same active ingredient (the same product when it names none), same route group."""
    same = (supply.active_ingredient == product.active_ingredient if product.active_ingredient
            else supply.product_id == product.id)
    return same and supply.route in formulary_rules.routes_in_group(product.route)


def _supplies(patients: Any, on: date) -> list[Supply]:
    rows = db.session.execute(
        sa.select(Dispense.id, Dispense.prescription_id, Case.patient_id, Product.name,
                  Product.id, Product.active_ingredient, Product.route, Dispense.dispensed_on,
                  Dispense.days_supply)
        .join(Case, Case.id == Dispense.case_id)
        .join(Prescription, Prescription.id == Dispense.prescription_id)
        .join(Product, Product.id == Prescription.product_id)
        .where(patients, Dispense.status == "dispensed", Dispense.dispensed_on >= on - LOOKBACK))
    return [Supply(*row) for row in rows]


def held(patient_ids: Iterable[int], on: date) -> dict[int, list[Supply]]:
    """Each patient's fills (every case and prescription) that went out within ``LOOKBACK``
    of ``on`` and are not reversed, in one query."""
    found: dict[int, list[Supply]] = defaultdict(list)
    ids = sorted(set(patient_ids))
    for supply in _supplies(Case.patient_id.in_(ids), on) if ids else ():
        found[supply.patient_id].append(supply)
    return found


def next_fill_due(prescription: Prescription, supplies: Iterable[Supply]
                  ) -> tuple[date, Supply] | None:
    """The first day a new fill of ``prescription`` is not too soon, and the supply that sets
    it; None when none of ``supplies`` (the patient's) stands in the way."""
    due = [(refill_due_on(prescription, supply), supply) for supply in supplies
           if _same_drug(prescription.product, supply)]
    return max(due, key=lambda item: (item[0], item[1].dispense_id)) if due else None


def next_fill_due_of(prescription: Prescription, on: date) -> tuple[date, Supply] | None:
    """``next_fill_due`` over the supplies held on ``on`` by the prescription's patient."""
    owner = aliased(Case)
    patient = sa.select(owner.patient_id).where(owner.id == prescription.case_id)
    return next_fill_due(prescription, _supplies(Case.patient_id == patient.scalar_subquery(), on))
