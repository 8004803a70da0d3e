"""SPEC §4.7: double entry in integer cents, zero-sum, append-only, reversing entries."""

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from lienrx.core import clock
from lienrx.core.errors import Conflict
from lienrx.extensions import db
from lienrx.ledger import services as ledger
from lienrx.ledger.models import JournalEntry, Posting
from lienrx.ledger.queries import case_balance, case_ledger
from tests import factories


@pytest.fixture
def case_id(ctx):
    case = factories.case(factories.law_firm())
    db.session.commit()
    return case.id


def charge(case_id, cents):
    return ledger.post_entry(kind="charge", case_id=case_id, occurred_on=date(2026, 11, 1),
                             memo="test charge",
                             lines=[(ledger.receivable(case_id), cents),
                                    (ledger.book(ledger.REVENUE), -cents)])


def test_entry_postings_sum_to_zero_in_cents(case_id):
    entry = charge(case_id, 18550)
    db.session.commit()
    assert sorted(p.amount_cents for p in entry.postings) == [-18550, 18550]
    assert case_balance(case_id) == 18550


def test_unbalanced_entry_refused_by_the_service(case_id):
    with pytest.raises(ledger.UnbalancedEntry):
        ledger.post_entry(kind="charge", case_id=case_id, occurred_on=date(2026, 11, 1),
                          memo="bad", lines=[(ledger.receivable(case_id), 100),
                                             (ledger.book(ledger.REVENUE), -99)])


def test_single_posting_entry_refused_by_the_service(case_id):
    with pytest.raises(ledger.UnbalancedEntry):
        ledger.post_entry(kind="charge", case_id=case_id, occurred_on=date(2026, 11, 1),
                          memo="bad", lines=[(ledger.receivable(case_id), 100)])


@pytest.mark.postgres_only
def test_postgresql_constraint_trigger_refuses_an_unbalanced_entry_at_commit(case_id):
    entry = JournalEntry(kind="charge", case_id=case_id, occurred_on=date(2026, 11, 1),
                         memo="raw insert")
    db.session.add(entry)
    db.session.flush()
    db.session.add(Posting(entry_id=entry.id, account_id=ledger.receivable(case_id).id,
                           amount_cents=500))
    db.session.flush()  # deferred: accepted until commit
    with pytest.raises(DBAPIError, match="unbalanced"):
        db.session.commit()
    db.session.rollback()


@pytest.mark.parametrize("statement", ["UPDATE postings SET amount_cents = 1",
                                       "DELETE FROM postings",
                                       "UPDATE journal_entries SET memo = 'edited'",
                                       "DELETE FROM journal_entries"])
def test_journal_is_append_only_in_the_database(case_id, statement):
    charge(case_id, 1000)
    db.session.commit()
    with pytest.raises(DBAPIError):
        db.session.execute(sa.text(statement))
        db.session.flush()
    db.session.rollback()


def test_reversing_entry_negates_every_posting_once(case_id):
    entry = charge(case_id, 4200)
    reversal = ledger.reverse_entry(entry, actor=None, memo="entered in error")
    db.session.commit()
    assert sorted(p.amount_cents for p in reversal.postings) == [-4200, 4200]
    assert reversal.reverses_entry_id == entry.id
    assert case_balance(case_id) == 0
    with pytest.raises(Conflict) as refused:
        ledger.reverse_entry(entry, actor=None, memo="twice")
    assert refused.value.code == "already_reversed"


def test_occurred_on_is_kept_apart_from_posted_at(case_id):
    clock.freeze(datetime(2026, 11, 20, 15, 30, tzinfo=UTC))
    entry = charge(case_id, 100)  # a fill of 1 November, booked on the 20th
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(JournalEntry, entry.id)
    assert stored.occurred_on == date(2026, 11, 1)
    assert stored.posted_at == datetime(2026, 11, 20, 15, 30, tzinfo=UTC)


def test_case_ledger_totals_obey_the_balance_identity(case_id):
    first = charge(case_id, 10000)
    charge(case_id, 2550)
    ledger.reverse_entry(first, actor=None, memo="x")
    db.session.commit()
    found = case_ledger(case_id)
    totals = found.totals
    assert totals["charges"] == 12550 and totals["reversals"] == 10000
    balance = (totals["charges"] - totals["reversals"] - totals["reductions"]
               - totals["payments"] - totals["write_offs"] + totals["refunds"])
    assert balance == found.balance == sum(line.amount for line in found.entries)
    assert balance == found.entries[-1].running == case_balance(case_id) == 2550


def test_ledger_verify_names_the_failing_entry(case_id, runner):
    entry = charge(case_id, 700)
    db.session.commit()
    conn = db.session.connection()
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("ALTER TABLE postings DISABLE TRIGGER USER")
        conn.execute(sa.text("UPDATE postings SET amount_cents = 701 WHERE entry_id = :e "
                             "AND amount_cents = 700"), {"e": entry.id})
        conn.exec_driver_sql("ALTER TABLE postings ENABLE TRIGGER USER")
    else:
        conn.exec_driver_sql("DROP TRIGGER postings_no_update")
        conn.execute(sa.text("UPDATE postings SET amount_cents = 701 WHERE entry_id = :e "
                             "AND amount_cents = 700"), {"e": entry.id})
    db.session.commit()
    db.session.remove()
    result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code == 1
    assert f"entry {entry.id} does not sum to zero" in result.output
