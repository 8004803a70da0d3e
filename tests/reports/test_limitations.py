"""Statute-of-limitations risk (SPEC §7.8): injury date + the state's seeded period, unless a
suit is recorded as filed; a state without a seeded period is unknown, never safe."""

import io
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook

from lienrx.cases.models import Case
from lienrx.core import clock
from lienrx.extensions import db
from lienrx.reports import limitations
from lienrx.reports.limitations import UnsourcedPeriod, limitation_risk, load_periods
from lienrx.reports.rules import LIMITATION_WARNING_DAYS, anniversary
from tests import factories

# Test data, not a statement of any state's law: the shipped seed carries the real periods.
SOURCED = {"statute": "Test statute § 1", "source": "tests", "quote": "within two years",
           "consulted": "2026-11-30"}
PERIODS = load_periods({"periods": [{"state": "TN", "years": 2, **SOURCED}]})


def _injured(days_before_deadline: int, state: str = "TN") -> Case:
    deadline = clock.today() + timedelta(days=days_before_deadline)
    return factories.case(factories.law_firm(), jurisdiction=state,
                          date_of_injury=anniversary(deadline, -2))


def _risk():
    return limitation_risk(clock.today(), LIMITATION_WARNING_DAYS, PERIODS)


def test_a_deadline_within_the_warning_window_puts_the_lien_at_risk(ctx):
    near = _injured(30)
    far = _injured(LIMITATION_WARNING_DAYS + 1)
    edge = _injured(LIMITATION_WARNING_DAYS)

    at_risk = {r.case_id: r for r in _risk().at_risk}
    assert far.id not in at_risk
    assert at_risk[near.id].days_left == 30
    assert at_risk[near.id].deadline == clock.today() + timedelta(days=30)
    assert at_risk[edge.id].days_left == LIMITATION_WARNING_DAYS


def test_a_passed_deadline_stays_on_the_list_with_negative_days(ctx):
    passed = _injured(-10)

    [row] = [r for r in _risk().at_risk if r.case_id == passed.id]
    assert row.days_left == -10


def test_suit_filed_takes_a_case_off_the_limitation_risk_list(app, api_as):
    billing = api_as("billing")
    with app.app_context():
        case = _injured(20)
        db.session.commit()
        assert case.id in [r.case_id for r in _risk().at_risk]
        case_id = case.id

    answer = billing.post(f"/api/v1/cases/{case_id}/suit-filed",
                          json={"suit_filed_on": clock.today().isoformat()})

    assert answer.status_code == 200, answer.json
    assert answer.json["suit_filed_on"] == clock.today().isoformat()
    with app.app_context():
        risk = _risk()
        assert case_id not in [r.case_id for r in risk.at_risk + risk.unknown]


def test_a_suit_filed_in_the_future_is_422_on_suit_filed_on(app, api_as):
    billing = api_as("billing")
    with app.app_context():
        case_id = _injured(20).id
        db.session.commit()

    answer = billing.post(f"/api/v1/cases/{case_id}/suit-filed",
                          json={"suit_filed_on": (clock.today() + timedelta(days=3)).isoformat()})

    assert answer.status_code == 422
    assert "suit_filed_on" in str(answer.json)


def test_state_without_a_seeded_period_is_unknown_not_safe(ctx):
    case = _injured(300, state="WY")

    risk = _risk()
    assert case.id not in [r.case_id for r in risk.at_risk]
    [row] = [r for r in risk.unknown if r.case_id == case.id]
    assert (row.state, row.deadline, row.days_left) == ("WY", None, None)
    assert risk.unknown_total >= 1


def test_every_limitation_period_carries_its_source(ctx):
    seeded = limitations.seeded_periods()
    assert {"TN", "GA", "TX"} <= set(seeded)
    for period in seeded.values():
        assert period.statute.strip() and period.quote.strip()
        assert period.source.startswith("https://")
        assert period.consulted <= clock.today()
    for missing in ("statute", "source", "quote", "consulted"):
        with pytest.raises(UnsourcedPeriod):
            load_periods({"periods": [{"state": "TN", "years": 1, **SOURCED, missing: ""}]})
    with pytest.raises(UnsourcedPeriod):
        load_periods({"periods": [{"state": "TN", "years": 1, **SOURCED,
                                   "consulted": "30 Nov 2026"}]})


def test_a_period_must_name_a_state_and_whole_years(ctx):
    with pytest.raises(UnsourcedPeriod):
        load_periods({"periods": [{"state": "XX", "years": 1, **SOURCED}]})
    with pytest.raises(UnsourcedPeriod):
        load_periods({"periods": [{"state": "TN", "years": 1.5, **SOURCED}]})
    with pytest.raises(UnsourcedPeriod):
        load_periods({"periods": [{"state": "TN", "years": 1, **SOURCED},
                                  {"state": "TN", "years": 2, **SOURCED}]})


def test_seeded_tennessee_period_puts_a_one_year_deadline_on_the_board(app, api_as):
    assert limitations.seeded_periods()["TN"].years == 1
    deadline = clock.today() + timedelta(days=30)
    with app.app_context():
        case = factories.case(factories.law_firm(), jurisdiction="TN",
                              date_of_injury=anniversary(deadline, -1))
        db.session.commit()
        case_id, injured = case.id, case.date_of_injury

    answer = api_as("billing").get("/api/v1/reports/aging.xlsx")

    assert answer.status_code == 200
    rows = load_workbook(io.BytesIO(answer.data))["Limitation risk"].iter_rows(values_only=True)
    [row] = [r for r in rows if r[0] == case_id]
    assert (row[3], row[7]) == ("TN", "seeded")
    assert (_as_date(row[4]), _as_date(row[5]), row[6]) == (injured, deadline, 30)


def _as_date(value):
    return value.date() if hasattr(value, "date") else value


def test_leap_day_injury_meets_its_deadline_on_28_february(ctx):
    assert anniversary(date(2024, 2, 29), 1) == date(2025, 2, 28)
    assert anniversary(date(2024, 2, 29), 4) == date(2028, 2, 29)
