"""SPEC §4.3: money is exact — integer cents, half-up rounding, decimal strings."""

from decimal import Decimal

import pytest

from lienrx.core.money import format_cents, round_cents, to_cents


def test_round_half_up_to_the_cent():
    assert round_cents(Decimal("1.005")) == 101
    assert round_cents(Decimal("1.0049")) == 100
    assert round_cents(Decimal("2.675")) == 268  # float would give 2.67


def test_decimal_strings_round_trip():
    assert to_cents("185.50") == 18550
    assert format_cents(18550) == "185.50"
    assert format_cents(-5) == "-0.05"


@pytest.mark.parametrize("bad", ["1.001", "abc", "NaN", "Infinity", 1.5])
def test_money_refuses_floats_and_sub_cent_amounts(bad):
    with pytest.raises(ValueError):
        to_cents(bad)
