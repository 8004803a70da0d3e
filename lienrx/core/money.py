"""Money is integer cents inside LienRx and two-place decimal strings at the edges."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")


def round_cents(amount: Decimal) -> int:
    """Round a decimal dollar amount half-up to whole cents."""
    return int((amount / CENT).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def to_cents(value: str | Decimal | int) -> int:
    """Parse a decimal dollar string ("185.50") into cents; at most two places allowed."""
    if isinstance(value, bool) or isinstance(value, float):
        raise ValueError("money is never a float")
    try:
        amount = Decimal(value) if not isinstance(value, Decimal) else value
    except (InvalidOperation, TypeError) as exc:
        raise ValueError("not a decimal amount") from exc
    if not amount.is_finite():
        raise ValueError("not a finite amount")
    if amount != amount.quantize(CENT):
        raise ValueError("money has at most two decimal places")
    return int(amount * 100)


def format_cents(cents: int) -> str:
    """Render cents as a two-place decimal string: 18550 -> "185.50"."""
    return str((Decimal(cents) / 100).quantize(CENT))


def displayed(amount: Decimal) -> str:
    """Money as documents print it: ``Decimal("-1234.5")`` → ``"-$1,234.50"``."""
    return f"{'-' if amount < 0 else ''}${abs(amount):,.2f}"
