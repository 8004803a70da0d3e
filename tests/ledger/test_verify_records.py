"""Issue 12: `lienrx ledger verify` ties each frozen amount outside the journal to its entry.

A dispense froze its charge, a reversal gives that charge back, a payment records what was
received. Someone with database access who rewrites an entry on both legs keeps it summing to
zero and every balance identity holding; only comparing the record with its entry shows it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from lienrx.core import clock
from lienrx.dispensing import services as dispensing
from lienrx.extensions import db
from lienrx.settlement import services as settlement
from tests import factories
from tests.formulary.factories import (
    GABAPENTIN_300_NDC,
    load_products,
    prescription,
    receive_ndc_lot,
)


@pytest.fixture
def books(ctx, world) -> dict[str, Any]:
    """A fill reversed, the fill made again, a partial payment, a reduction: their ids."""
    load_products("GABA-CAP-300")
    rx = prescription(world.case_id, world.prescriber_id, "GABA-CAP-300",
                      quantity=Decimal(90), days_supply=30)
    pharmacist = factories.user("pharmacist")
    lot = receive_ndc_lot(GABAPENTIN_300_NDC, "GB2291A")
    fill = dispensing.DispenseRequest(prescription_id=rx.id, quantity=rx.quantity,
                                      days_supply=30, ndc=GABAPENTIN_300_NDC,
                                      lot_number=lot.lot_number)
    reversed_fill = dispensing.dispense(pharmacist, fill)
    dispensing.reverse(pharmacist, reversed_fill.id, "entered in error", "return_to_stock")
    kept = dispensing.dispense(pharmacist, fill)
    billing = factories.user("billing")
    paid = settlement.record_payment(billing, world.case_id, amount=1000,
                                     received_on=clock.today(), reference="CHK-1")
    reduced = settlement.reduce_lien(billing, world.case_id, method="amount", value=300,
                                     reason="hardship")
    db.session.commit()
    assert kept.charge_cents > 1000
    return {"kept": kept.id, "kept_entry": kept.charge_entry_id,
            "reversed": reversed_fill.id, "reversal_entry": reversed_fill.reversal_entry_id,
            "charge_of_reversed": reversed_fill.charge_entry_id,
            "payment": paid.id, "payment_entry": paid.entry_id,
            "reduction": reduced.id, "reduction_entry": reduced.entry_id}


def tamper(*statements: tuple[str, dict[str, Any]]) -> None:
    """Run raw SQL around the append-only triggers, as someone with database access could."""
    conn = db.session.connection()
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
    else:  # the next test starts from the migrated template, triggers and all
        for table in ("postings", "journal_entries"):
            conn.exec_driver_sql(f"DROP TRIGGER {table}_no_update")
    for statement, params in statements:
        conn.execute(sa.text(statement), params)
    db.session.commit()


def rewrite_entry(entry_id: int, delta: int) -> tuple[str, dict[str, Any]]:
    """Grow (or with a negative ``delta`` shrink) both legs of an entry: it still sums to zero."""
    return ("UPDATE postings SET amount_cents = amount_cents + "
            "CASE WHEN amount_cents > 0 THEN :d ELSE -:d END WHERE entry_id = :e",
            {"d": delta, "e": entry_id})


def verify(runner):
    db.session.remove()
    return runner.invoke(args=["ledger", "verify"])


def test_untouched_books_verify_with_their_records(books, runner):
    result = verify(runner)
    assert result.exit_code == 0, result.output
    assert "dispenses, reversals, payments and reductions agree" in result.output


def test_dispense_charge_must_match_its_charge_entry(books, runner):
    tamper(rewrite_entry(books["kept_entry"], -500))
    result = verify(runner)
    assert result.exit_code == 1
    assert (f"dispense {books['kept']}: entry {books['kept_entry']} moves the lien balance by"
            in result.output)
    assert "does not sum to zero" not in result.output  # the journal alone looks fine


def test_dispense_frozen_charge_edited_in_place_is_caught(books, runner):
    tamper(("UPDATE dispenses SET charge_cents = charge_cents + 100 WHERE id = :d",
            {"d": books["kept"]}))
    result = verify(runner)
    assert result.exit_code == 1
    assert f"dispense {books['kept']}: entry {books['kept_entry']}" in result.output


def test_reversal_must_give_back_the_dispense_charge(books, runner):
    # charge and reversal rewritten alike: each still sums to zero and reverses the other
    tamper(rewrite_entry(books["charge_of_reversed"], -700),
           rewrite_entry(books["reversal_entry"], -700))
    result = verify(runner)
    assert result.exit_code == 1
    assert (f"reversal of dispense {books['reversed']}: entry {books['reversal_entry']} "
            "moves the lien balance by" in result.output)
    assert "does not exactly reverse" not in result.output


def test_reversal_must_reverse_the_dispense_charge_entry(books, runner):
    tamper(("UPDATE dispenses SET reversal_entry_id = :other WHERE id = :d",
            {"other": books["kept_entry"], "d": books["reversed"]}))
    result = verify(runner)
    assert result.exit_code == 1
    assert (f"reversal of dispense {books['reversed']}: entry {books['kept_entry']} is a "
            "charge entry, not a reversal entry" in result.output)


def test_payment_must_match_its_payment_entry(books, runner):
    tamper(rewrite_entry(books["payment_entry"], -250))  # a skimmed payment booked smaller
    result = verify(runner)
    assert result.exit_code == 1
    assert (f"payment {books['payment']}: entry {books['payment_entry']} moves the lien "
            "balance by -750 cents; the record froze -1000 cents" in result.output)


def test_payment_amount_edited_in_place_is_caught(books, runner):
    tamper(("UPDATE payments SET amount_cents = 900 WHERE id = :p", {"p": books["payment"]}))
    result = verify(runner)
    assert result.exit_code == 1
    assert f"payment {books['payment']}: entry {books['payment_entry']}" in result.output


def test_reduction_must_match_its_reduction_entry(books, runner):
    tamper(("UPDATE reductions SET amount_cents = 30000 WHERE id = :r",
            {"r": books["reduction"]}))
    result = verify(runner)
    assert result.exit_code == 1
    assert (f"reduction {books['reduction']}: entry {books['reduction_entry']} moves the lien "
            "balance by -300 cents; the record froze -30000 cents" in result.output)
