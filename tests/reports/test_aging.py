"""A/R aging (SPEC §7.8): each owing case's balance in the bucket of its first unpaid charge."""

from datetime import date, timedelta

import pytest

from lienrx.ledger import services as ledger
from lienrx.reports.aging import aging, bucket_totals
from lienrx.reports.rules import BUCKET_NAMES
from tests import factories

AS_OF = date(2026, 6, 30)


def _day(days_ago: int) -> date:
    return AS_OF - timedelta(days=days_ago)


def _credit(case_id: int, cents: int, days_ago: int, kind: str = "payment") -> None:
    book = {"payment": ledger.CASH, "reduction": ledger.CONTRA,
            "write_off": ledger.WRITE_OFFS}[kind]
    ledger.post_entry(kind=kind, case_id=case_id, occurred_on=_day(days_ago), memo=kind,
                      lines=[(ledger.receivable(case_id), -cents), (ledger.book(book), cents)])


def _only_firm(firm_id: int):
    [row] = [f for f in aging(AS_OF) if f.law_firm_id == firm_id]
    return row


def _owed(firm_id: int) -> dict[str, int]:
    return {name: cents for name, cents in _only_firm(firm_id).buckets.items() if cents}


def test_aging_bucket_is_the_age_of_the_first_unpaid_charge(ctx):
    firm = factories.law_firm()
    case = factories.case(firm)
    factories.ledger_charge(case.id, 10000, occurred_on=_day(400))
    factories.ledger_charge(case.id, 20000, occurred_on=_day(100))
    factories.ledger_charge(case.id, 30000, occurred_on=_day(10))
    _credit(case.id, 15000, 5)  # pays the $100 charge and half of the $200 one

    assert _owed(firm.id) == {"91-180": 45000}
    assert _only_firm(firm.id).total == 45000


def test_payments_consume_the_oldest_charges_first(ctx):
    firm = factories.law_firm()
    case = factories.case(firm)
    factories.ledger_charge(case.id, 10000, occurred_on=_day(800))
    factories.ledger_charge(case.id, 10000, occurred_on=_day(300))
    recent = factories.ledger_charge(case.id, 10000, occurred_on=_day(20))
    _credit(case.id, 6000, 15, "payment")
    _credit(case.id, 4000, 14, "reduction")  # with the payment, the oldest charge is paid
    ledger.reverse_entry(recent, actor=None, memo="wrong product", occurred_on=_day(12))

    # the reversal pays off the next oldest charge, not the one it reverses
    assert _owed(firm.id) == {"0-90": 10000}


def test_a_case_paid_down_to_its_last_cent_ages_by_the_charge_holding_that_cent(ctx):
    firm = factories.law_firm()
    case = factories.case(firm)
    factories.ledger_charge(case.id, 10000, occurred_on=_day(500))
    factories.ledger_charge(case.id, 10000, occurred_on=_day(30))
    _credit(case.id, 9999, 10, "write_off")

    assert _owed(firm.id) == {"366-730": 10001}


@pytest.mark.parametrize(("days", "bucket"), [
    (0, "0-90"), (90, "0-90"), (91, "91-180"), (180, "91-180"), (181, "181-365"),
    (365, "181-365"), (366, "366-730"), (730, "366-730"), (731, "731+")])
def test_bucket_boundaries_fall_after_90_180_365_and_730_days(ctx, days, bucket):
    firm = factories.law_firm()
    factories.ledger_charge(factories.case(firm).id, 1234, occurred_on=_day(days))

    assert _owed(firm.id) == {bucket: 1234}


def test_entries_after_the_as_of_date_do_not_count(ctx):
    firm = factories.law_firm()
    case = factories.case(firm)
    factories.ledger_charge(case.id, 5000, occurred_on=_day(200))
    factories.ledger_charge(case.id, 7000, occurred_on=AS_OF + timedelta(days=1))
    _credit(case.id, 5000, -2)  # paid after the as-of date: still owed then

    assert _owed(firm.id) == {"181-365": 5000}


def test_closed_and_paid_cases_owe_nothing_and_their_firm_is_left_out(ctx):
    firm = factories.law_firm()
    paid = factories.case(firm)
    factories.ledger_charge(paid.id, 5000, occurred_on=_day(40))
    _credit(paid.id, 5000, 30)
    closed = factories.case(firm)
    factories.ledger_charge(closed.id, 5000, occurred_on=_day(40))
    factories.close(closed.id, "no_recovery")

    assert [f for f in aging(AS_OF) if f.law_firm_id == firm.id] == []


def test_totals_row_adds_every_firm_by_bucket(ctx):
    one, two = factories.law_firm("Alder & Co"), factories.law_firm("Birch LLP")
    factories.ledger_charge(factories.case(one).id, 1000, occurred_on=_day(10))
    factories.ledger_charge(factories.case(two).id, 2000, occurred_on=_day(10))
    factories.ledger_charge(factories.case(two).id, 4000, occurred_on=_day(1000))
    firms = [f for f in aging(AS_OF) if f.law_firm_id in (one.id, two.id)]

    assert [f.law_firm for f in firms] == ["Alder & Co", "Birch LLP"]
    totals = bucket_totals(firms)
    assert totals.buckets == dict(zip(BUCKET_NAMES, [3000, 0, 0, 0, 4000], strict=True))
    assert totals.total == 7000
