"""Numbers as people read them on pages and in documents, thousands separated: money
``$12,345.67``, counts ``1,234``, quantities ``1,234.5`` (no trailing zeros).

These are the Jinja filters ``money`` and ``num`` (:func:`register`) and what messages use
when they name an amount. The API (decimal strings) and spreadsheets (numeric cells) keep
plain numbers.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from flask import Flask

from lienrx.core.money import displayed


def money(amount: int | Decimal | str | None, signed: bool = False) -> str:
    """Money as people read it: integer cents (as stored) 1234567 → "$12,345.67", or dollars
    as the API and signed documents carry them, "-5" → "-$5.00". ``signed`` shows a positive
    amount's "+" too (a ledger line). Text that is no amount is shown as it is."""
    if amount is None:
        return ""
    try:
        dollars = (Decimal(amount).scaleb(-2) if isinstance(amount, int)
                   else Decimal(str(amount)))
    except InvalidOperation:
        return str(amount)
    if not dollars.is_finite():
        return str(amount)
    shown = displayed(dollars)
    return f"+{shown}" if signed and dollars > 0 else shown


def num(value: Any) -> str:
    """A count or a quantity: 1234 → "1,234", Decimal("1234.500") → "1,234.5"."""
    if value is None:
        return ""
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    if not number.is_finite():
        return str(value)
    return f"{number.normalize():,f}"


def register(app: Flask) -> None:
    """Make ``money`` and ``num`` the templates' filters for every number they show."""
    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["num"] = num
