"""Schedule rules as data: validity, refills, state overrides and refill thresholds."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from lienrx.prescribing import rules
from lienrx.prescribing.rules import StateRule, Validity

NO_STATE = StateRule()


@pytest.mark.parametrize("schedule", ["III", "IV"])
def test_schedule_iii_iv_expire_six_calendar_months_after_writing(schedule):
    assert rules.expires_on(schedule, date(2026, 3, 15), NO_STATE) == date(2026, 9, 15)
    assert rules.SCHEDULE_RULES[schedule].max_refills == 5


@pytest.mark.parametrize(("written", "expires"), [
    (date(2026, 8, 31), date(2027, 2, 28)),
    (date(2027, 8, 31), date(2028, 2, 29)),
    (date(2026, 12, 31), date(2027, 6, 30)),
])
def test_six_months_clamp_to_the_end_of_a_shorter_month(written, expires):
    assert rules.expires_on("III", written, NO_STATE) == expires


def test_schedule_ii_has_no_refills_and_90_days_validity():
    assert rules.SCHEDULE_RULES["II"].max_refills == 0
    assert rules.expires_on("II", date(2026, 1, 1), NO_STATE) == date(2026, 4, 1)


@pytest.mark.parametrize("schedule", ["V", rules.NON_CONTROLLED])
def test_schedule_v_and_non_controlled_refills_as_written_one_year(schedule):
    assert rules.SCHEDULE_RULES[schedule].max_refills is None
    assert rules.expires_on(schedule, date(2028, 2, 29), NO_STATE) == date(2029, 2, 28)


def test_state_validity_override_replaces_the_default():
    state = StateRule(validity_overrides={rules.NON_CONTROLLED: Validity(months=6)})
    assert rules.expires_on(rules.NON_CONTROLLED, date(2026, 1, 10), state) == date(2026, 7, 10)


def test_gabapentin_is_schedule_v_under_tennessee_rules_only():
    tennessee = rules.state_rule("TN")
    california = rules.state_rule("CA")
    assert rules.effective_schedule(None, ["gabapentin"], tennessee) == "V"
    assert rules.effective_schedule(None, ["gabapentin"], california) == rules.NON_CONTROLLED
    assert rules.effective_schedule("III", ["ketamine"], california) == "III"


def test_a_fill_in_the_pharmacys_own_state_follows_that_state_alone():
    assert rules.state_rule("TN") is rules.STATE_RULES["TN"]
    assert rules.state_rule("TN", "TN") is rules.STATE_RULES["TN"]
    assert rules.state_rule("CA") == StateRule()


@pytest.mark.parametrize(("pharmacy", "delivery"), [("CA", "TN"), ("TN", "CA")])
def test_a_fill_shipped_to_another_state_follows_the_stricter_schedule(pharmacy, delivery):
    state = rules.state_rule(pharmacy, delivery)
    assert rules.effective_schedule(None, ["gabapentin"], state) == "V"


def test_two_states_scheduling_one_drug_give_the_stricter_schedule():
    one = StateRule(schedule_overrides={"gabapentin": "V", "tramadol": "IV"})
    other = StateRule(schedule_overrides={"gabapentin": "III"})
    both = rules.stricter(one, other)
    assert rules.effective_schedule(None, ["gabapentin"], both) == "III"
    assert rules.effective_schedule(None, ["tramadol"], both) == "IV"


def test_a_fill_shipped_to_another_state_expires_on_the_earlier_of_their_dates():
    six_months = StateRule(validity_overrides={rules.NON_CONTROLLED: Validity(months=6)})
    ninety_days = StateRule(validity_overrides={rules.NON_CONTROLLED: Validity(days=90),
                                                "V": Validity(days=200)})
    both = rules.stricter(six_months, ninety_days)
    assert rules.expires_on(rules.NON_CONTROLLED, date(2026, 1, 10), both) == date(2026, 4, 10)
    assert rules.expires_on("V", date(2026, 1, 10), both) == date(2026, 7, 29)
    # only one state shortens Schedule V: the federal year still bounds the other
    assert rules.expires_on("V", date(2026, 1, 10), rules.stricter(StateRule(), ninety_days)) \
        == date(2026, 7, 29)
    assert rules.expires_on("II", date(2026, 1, 10), both) == date(2026, 4, 10)


def test_refill_too_soon_thresholds_by_schedule():
    assert rules.refill_too_soon_threshold(None) == Decimal("0.75")
    assert rules.refill_too_soon_threshold(rules.NON_CONTROLLED) == Decimal("0.75")
    assert rules.refill_too_soon_threshold("III") == Decimal("0.85")
    assert rules.refill_too_soon_threshold("IV") == Decimal("0.85")
    assert rules.refill_too_soon_threshold("V") == Decimal("0.80")
