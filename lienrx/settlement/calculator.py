"""The settlement calculator: pure arithmetic in integer cents, rounding half-up once.

Percents are ``Decimal``s (never floats). Every division happens in ``Decimal`` with enough
precision that a quotient can never be mistaken for an exact half cent, then goes through
:func:`lienrx.core.money.round_cents`.
"""

from __future__ import annotations

import decimal
from dataclasses import dataclass
from decimal import Decimal

from lienrx.core.money import round_cents
from lienrx.settlement import rules

_PRECISION = 60


@dataclass(frozen=True)
class Terms:
    """A settlement's amounts in cents."""

    gross: int
    attorney_fees: int
    costs: int


class ReductionRefused(ValueError):
    """The method and value would take the lien below zero (or past the balance)."""


def _cents_of(dollars: Decimal) -> int:
    with decimal.localcontext() as ctx:
        ctx.prec = _PRECISION
        return round_cents(+dollars)


def percent_of(cents: int, percent: Decimal) -> int:
    """``percent`` % of an amount in cents, rounded half-up to the cent."""
    with decimal.localcontext() as ctx:
        ctx.prec = _PRECISION
        return _cents_of(Decimal(cents) * percent / Decimal(10_000))


def pro_rata_share(balance: int, terms: Terms) -> int:
    """The procurement-cost share: balance × (fees + costs) ÷ gross, rounded half-up."""
    with decimal.localcontext() as ctx:
        ctx.prec = _PRECISION
        share = (Decimal(balance) * Decimal(terms.attorney_fees + terms.costs)
                 / Decimal(terms.gross) / Decimal(100))
        return _cents_of(share)


def reduction_for(method: str, balance: int, value: int | Decimal | None,
                  terms: Terms | None) -> int:
    """The reduction (cents, ≥ 0) a method gives; ReductionRefused if it breaks the balance.

    ``value`` is cents for `amount` and `final`, a percent for `percent` and `cap`, unused
    for `pro_rata`. `pro_rata` and `cap` need ``terms``.
    """
    if method == rules.AMOUNT:
        reduction = _money(value)
    elif method == rules.PERCENT:
        reduction = percent_of(balance, _percent(value))
    elif method == rules.FINAL:
        if _money(value) > balance:
            raise ReductionRefused("The agreed final lien is above the current balance.")
        reduction = balance - _money(value)
    elif method == rules.PRO_RATA:
        reduction = pro_rata_share(balance, _terms(terms))
    elif method == rules.CAP:
        reduction = max(0, balance - percent_of(_terms(terms).gross, _percent(value)))
    else:
        raise ValueError(f"unknown reduction method {method!r}")
    if reduction > balance:
        raise ReductionRefused("The reduction would take the lien below zero.")
    return reduction


def _money(value: int | Decimal | None) -> int:
    if not isinstance(value, int):
        raise TypeError("this method takes an amount in cents")
    return value


def _percent(value: int | Decimal | None) -> Decimal:
    if not isinstance(value, Decimal):
        raise TypeError("this method takes a Decimal percent")
    return value


def _terms(terms: Terms | None) -> Terms:
    if terms is None:
        raise TypeError("this method needs the settlement terms")
    return terms


def client_net(terms: Terms, lien: int) -> int:
    """What the client keeps: gross − fees − costs − the lien (may be negative)."""
    return terms.gross - terms.attorney_fees - terms.costs - lien
