"""The settlement calculator's arithmetic: every method, rounding half-up to the cent."""

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lienrx.settlement import calculator
from lienrx.settlement.calculator import ReductionRefused, Terms, reduction_for


def half_up(value: Fraction) -> int:
    """Reference rounding: exact rational, half a cent goes up."""
    return int((value + Fraction(1, 2)).__floor__())


def test_amount_reduces_by_the_value():
    assert reduction_for("amount", 15050, 5000, None) == 5000


def test_amount_below_zero_is_refused():
    with pytest.raises(ReductionRefused):
        reduction_for("amount", 15050, 15051, None)


def test_amount_equal_to_balance_leaves_zero():
    assert reduction_for("amount", 15050, 15050, None) == 15050


@pytest.mark.parametrize(("balance", "percent", "expected"), [
    (10000, "25", 2500),
    (101, "50", 51),          # 50.5 cents rounds up
    (3, "50", 2),             # 1.5 cents rounds up
    (10001, "12.5", 1250),    # 1250.125 rounds down
    (99999, "33.3333", 33333),  # 33332.96667 rounds up
    (15050, "100", 15050),
])
def test_percent_rounds_half_up_to_the_cent(balance, percent, expected):
    assert reduction_for("percent", balance, Decimal(percent), None) == expected


def test_percent_above_hundred_is_refused():
    with pytest.raises(ReductionRefused):
        reduction_for("percent", 10000, Decimal("100.01"), None)


def test_final_agrees_the_lien_at_the_value():
    assert reduction_for("final", 15050, 10000, None) == 5050


def test_final_above_balance_is_refused():
    with pytest.raises(ReductionRefused):
        reduction_for("final", 15050, 15051, None)


@pytest.mark.parametrize(("balance", "fees", "costs", "gross", "expected"), [
    (15050, 33333, 6667, 100000, 6020),   # 15050 × 0.4 exactly
    (1, 1, 0, 2, 1),                      # half a cent rounds up
    (3, 1, 0, 6, 1),                      # half a cent rounds up
    (1, 1, 0, 3, 0),                      # a third of a cent rounds down
    (10000, 1, 0, 3, 3333),               # non-terminating quotient
    (20000, 2, 0, 3, 13333),              # 13333.33… rounds down
    (10000, 0, 0, 50000, 0),
])
def test_pro_rata_is_balance_times_fees_and_costs_over_gross(balance, fees, costs, gross,
                                                             expected):
    assert reduction_for("pro_rata", balance, None, Terms(gross, fees, costs)) == expected


@given(balance=st.integers(0, 10**9), fees=st.integers(0, 10**9), costs=st.integers(0, 10**9),
       extra=st.integers(1, 10**9))
def test_pro_rata_matches_exact_rational_rounding(balance, fees, costs, extra):
    terms = Terms(fees + costs + extra, fees, costs)
    exact = half_up(Fraction(balance * (fees + costs), terms.gross))
    assert calculator.pro_rata_share(balance, terms) == exact


@given(cents=st.integers(0, 10**11),
       percent=st.decimals(min_value=Decimal("0.0001"), max_value=Decimal(100), places=4))
def test_percent_matches_exact_rational_rounding(cents, percent):
    assert calculator.percent_of(cents, percent) == half_up(Fraction(cents) * Fraction(percent)
                                                            / 100)


def test_cap_limits_the_lien_to_a_percent_of_gross():
    terms = Terms(100000, 33333, 5000)
    assert reduction_for("cap", 50000, Decimal("33.33"), terms) == 50000 - 33330


def test_cap_rounds_the_cap_half_up():
    terms = Terms(3, 0, 0)  # 50 % of 3 cents = 1.5 → cap 2
    assert reduction_for("cap", 5, Decimal("50"), terms) == 3


def test_cap_under_the_cap_reduces_nothing():
    assert reduction_for("cap", 1000, Decimal("25"), Terms(100000, 0, 0)) == 0


def test_client_net_is_gross_less_fees_costs_and_lien():
    assert calculator.client_net(Terms(100000, 33333, 6667), 9030) == 50970
    assert calculator.client_net(Terms(1000, 500, 400), 200) == -100
