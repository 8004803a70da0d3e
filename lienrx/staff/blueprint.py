"""The staff workbench blueprint: every page under /staff."""

from __future__ import annotations

from flask import Blueprint

from lienrx.core.schemas import plain_number

bp = Blueprint("staff", __name__, url_prefix="/staff")


@bp.app_template_filter("qty")
def quantity_text(value: object) -> str:
    """A quantity without trailing zeros: Decimal('90.000') → '90'."""
    try:
        return plain_number(str(value))
    except ArithmeticError:
        return str(value)
