"""Settle a lien: record the recovery, reduce, take payments, write off, close.

Every amount moves through the ledger (``lienrx.ledger.services``); the case row is locked
first so two money actions on one case queue instead of both reading the same balance.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from lienrx.audit import services as audit
from lienrx.cases import services as cases
from lienrx.cases.models import Case
from lienrx.cases.rules import PAYOFF, SETTLED, status_words
from lienrx.core import clock
from lienrx.core.actors import Actor
from lienrx.core.errors import Conflict, field_error
from lienrx.core.money import format_cents
from lienrx.core.numbers import money
from lienrx.extensions import db
from lienrx.ledger.models import JournalEntry
from lienrx.ledger.queries import case_balance
from lienrx.ledger.services import CASH, CONTRA, REFUNDS, WRITE_OFFS, book, post_entry, receivable
from lienrx.outbox import services as outbox
from lienrx.settlement import calculator, closing, release, rules
from lienrx.settlement.models import ClosingLetter, Payment, Reduction, ReleaseLetter, Settlement
from lienrx.settlement.queries import case_totals, settlement_of


def check_reducible(case: Case) -> None:
    """Reductions are for active, on-hold and settled cases (409 otherwise)."""
    cases.refuse_if_closed(case, "its lien takes no reduction")
    if case.status not in rules.REDUCIBLE_STATUSES:
        raise Conflict("invalid_transition",
                       f"A case that is {status_words(case.status)} takes no reduction.")


def open_case_for_money(actor: Actor, case_id: int) -> Case:
    """Lock the case for a money action; a closed case takes none (409 `case_closed`)."""
    case = cases.get_case(actor, case_id, for_update=True)
    cases.refuse_if_closed(case, "it takes no further charges or adjustments")
    return case


def _not_future(field: str, day: date) -> None:
    if day > clock.today():
        raise field_error(field, "The date is in the future.")


def _check_terms(terms: calculator.Terms, gross_field: str) -> None:
    if terms.gross <= 0:
        raise field_error(gross_field, "The gross recovery must be more than zero.")
    if terms.attorney_fees + terms.costs > terms.gross:
        raise field_error("costs", "Attorney fees plus costs exceed the gross recovery.")


def terms_of(settlement: Settlement) -> calculator.Terms:
    """A settlement's amounts for the calculator."""
    return calculator.Terms(settlement.gross_cents, settlement.attorney_fees_cents,
                            settlement.costs_cents)


def record_settlement(actor: Actor, case_id: int, *, settled_on: date, gross_amount: int,
                      attorney_fees: int, costs: int) -> Settlement:
    """Record the recovery; the case becomes `settled`."""
    case = open_case_for_money(actor, case_id)
    _not_future("settled_on", settled_on)
    _check_terms(calculator.Terms(gross_amount, attorney_fees, costs), "gross_amount")
    cases.transition(actor, case, SETTLED, "settlement recorded")
    settlement = Settlement(case_id=case.id, settled_on=settled_on, gross_cents=gross_amount,
                            attorney_fees_cents=attorney_fees, costs_cents=costs,
                            recorded_by_user_id=actor.id)
    db.session.add(settlement)
    db.session.flush()
    audit.record(actor, "settlement.recorded", "settlement", settlement.id,
                 {"case_id": case.id, "gross": gross_amount, "attorney_fees": attorney_fees,
                  "costs": costs})
    return settlement


@dataclass(frozen=True)
class Posted:
    """The outcome of a money action: the entry, its magnitude, the balance after."""

    entry_id: int
    amount: int
    balance: int
    refund_owed: int = 0
    id: int | None = None


def reduce_lien(actor: Actor, case_id: int, *, method: str, value: int | Decimal | None,
                reason: str) -> Posted:
    """Post a `reduction` entry computed by ``method``, with its reason."""
    case = open_case_for_money(actor, case_id)
    check_reducible(case)
    settlement = settlement_of(case.id)
    if method in rules.NEEDS_SETTLEMENT and settlement is None:
        raise Conflict("settlement_required",
                       f"A {method} reduction needs the settlement to be recorded first.")
    balance = case_balance(case.id)
    try:
        amount = calculator.reduction_for(method, balance, value,
                                          terms_of(settlement) if settlement else None)
    except calculator.ReductionRefused as exc:
        raise field_error("value", str(exc)) from exc
    if amount == 0:
        raise field_error("value" if method != rules.PRO_RATA else "method",
                          "This reduction leaves the lien unchanged; nothing was posted.")
    entry = post_entry(kind="reduction", case_id=case.id, occurred_on=clock.today(),
                       memo=f"Reduction ({method}): {reason}", actor=actor,
                       lines=[(receivable(case.id), -amount), (book(CONTRA), amount)])
    row = Reduction(case_id=case.id, entry_id=entry.id, method=method,
                    value=None if value is None else str(value), amount_cents=amount,
                    reason=reason)
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "reduction.posted", "journal_entry", entry.id,
                 {"case_id": case.id, "method": method, "amount": amount})
    return Posted(entry.id, amount, balance - amount, id=row.id)


def record_payment(actor: Actor, case_id: int, *, amount: int, received_on: date,
                   reference: str, allow_overpayment: bool = False) -> Posted:
    """Post a payment; an amount over the balance needs ``allow_overpayment`` (else 422 on
    `amount`), and the excess is then booked as a refund owed (SPEC §4.8)."""
    case = open_case_for_money(actor, case_id)
    _not_future("received_on", received_on)
    if amount <= 0:
        raise field_error("amount", "A payment must be more than zero.")
    balance = case_balance(case.id)
    if amount > balance and not allow_overpayment:
        raise field_error("amount", (
            f"The payment is more than the balance of {money(max(balance, 0))}; "
            "confirm the overpayment to book the excess as a refund owed."))
    entry = post_entry(kind="payment", case_id=case.id, occurred_on=received_on,
                       memo=f"Payment received, reference {reference}", actor=actor,
                       lines=[(receivable(case.id), -amount), (book(CASH), amount)])
    refund_owed = max(0, amount - balance)
    refund: JournalEntry | None = None
    if refund_owed:
        refund = post_entry(kind="refund", case_id=case.id, occurred_on=received_on,
                            memo=f"Refund owed: overpayment on payment entry {entry.id}",
                            actor=actor, source=("payment", entry.id),
                            lines=[(receivable(case.id), refund_owed),
                                   (book(REFUNDS), -refund_owed)])
    payment = Payment(case_id=case.id, entry_id=entry.id, amount_cents=amount,
                      refund_entry_id=refund.id if refund else None,
                      refund_owed_cents=refund_owed, received_on=received_on,
                      reference=reference)
    db.session.add(payment)
    db.session.flush()
    audit.record(actor, "payment.posted", "payment", payment.id,
                 {"case_id": case.id, "amount": amount, "refund_owed": refund_owed})
    return Posted(entry.id, amount, balance - amount + refund_owed, refund_owed, payment.id)


def _post_write_off(actor: Actor, case: Case, amount: int, memo: str) -> JournalEntry:
    entry = post_entry(kind="write_off", case_id=case.id, occurred_on=clock.today(), memo=memo,
                       actor=actor, lines=[(receivable(case.id), -amount),
                                           (book(WRITE_OFFS), amount)])
    audit.record(actor, "write_off.posted", "journal_entry", entry.id,
                 {"case_id": case.id, "amount": amount})
    return entry


@dataclass(frozen=True)
class WriteOffPreview:
    """What a write-off would post: its amount and the balance before and after."""

    amount: int
    balance: int
    balance_after: int


def _write_off_of(case: Case, amount: int | None) -> WriteOffPreview:
    """The write-off of ``amount`` (None: the whole balance), refused when it cannot be."""
    balance = case_balance(case.id)
    amount = balance if amount is None else amount
    if amount <= 0:
        raise field_error("amount", "There is nothing to write off.")
    if amount > balance:
        raise field_error("amount", "The write-off is more than the balance.")
    return WriteOffPreview(amount, balance, balance - amount)


def preview_write_off(actor: Actor, case_id: int, *, reason: str,
                      amount: int | None = None) -> WriteOffPreview:
    """What :func:`write_off` would post, refused as it would be; nothing is posted."""
    case = cases.get_case(actor, case_id)
    cases.refuse_if_closed(case, "it takes no further charges or adjustments")
    return _write_off_of(case, amount)


def write_off(actor: Actor, case_id: int, *, reason: str, amount: int | None = None) -> Posted:
    """Write off part of the balance, or all of it when no amount is given."""
    case = open_case_for_money(actor, case_id)
    found = _write_off_of(case, amount)
    entry = _post_write_off(actor, case, found.amount, f"Write-off: {reason}")
    return Posted(entry.id, found.amount, found.balance_after)


@dataclass(frozen=True)
class Closed:
    """A closed case's status, its balance (zero) and the letter issued: the release (paid)
    or the closing letter (no recovery)."""

    status: str
    balance: int
    release: ReleaseLetter | None
    closing_letter: ClosingLetter | None


@dataclass(frozen=True)
class ClosePreview:
    """What closing would do: the status the case takes and the balance written off."""

    outcome: str
    status: str
    written_off: int


def _check_close(case: Case, outcome: str, reason: str | None) -> ClosePreview:
    """Refuse a close the rules refuse; else what it does (the totals as they stand)."""
    totals = case_totals(case.id)
    if outcome == rules.PAID and totals.payments == 0:
        raise field_error("outcome",
                          "No payment has been recorded; close with the outcome no recovery.")
    if outcome == rules.PAID and totals.balance > 0 and not reason:
        raise field_error("reason", "Say why the residual balance is written off.")
    return ClosePreview(outcome, rules.CLOSE_OUTCOMES[outcome], max(totals.balance, 0))


def preview_close(actor: Actor, case_id: int, *, outcome: str,
                  reason: str | None = None) -> ClosePreview:
    """What :func:`close_case` would do, refused as it would be; nothing changes."""
    case = cases.get_case(actor, case_id)
    cases.refuse_transition(case, rules.CLOSE_OUTCOMES[outcome])
    return _check_close(case, outcome, reason)


def close_case(actor: Actor, case_id: int, *, outcome: str, reason: str | None = None) -> Closed:
    """Close a case: `paid` writes off the residual and issues the release letter;
    `no_recovery` writes off the whole balance (non-recourse) and issues the closing letter.
    """
    case = cases.get_case(actor, case_id, for_update=True)
    cases.transition(actor, case, rules.CLOSE_OUTCOMES[outcome], reason)  # a repeat: 409
    _check_close(case, outcome, reason)
    totals = case_totals(case.id)
    if totals.balance > 0:
        memo = ("Residual written off at close" if outcome == rules.PAID
                else "Non-recourse write-off: no recovery")
        _post_write_off(actor, case, totals.balance, f"{memo}: {reason}" if reason else memo)
    paid = release.issue(actor, case) if outcome == rules.PAID else None
    unrecovered = (closing.issue(actor, case, written_off=max(totals.balance, 0))
                   if outcome == rules.NO_RECOVERY else None)
    audit.record(actor, "case.closed", "case", case.id,
                 {"outcome": outcome, "written_off": totals.balance})
    outbox.enqueue_event(outbox.CASE_CLOSED, case.id)
    return Closed(case.status, case_balance(case.id), paid, unrecovered)


@dataclass(frozen=True)
class Scenario:
    """One what-if: a method, its value, the reduction, the lien after and the client's net."""

    method: str
    value: str | None
    reduction: int
    lien: int
    client_net: int


@dataclass(frozen=True)
class Preview:
    """The lien after each method for a proposed settlement; nothing is posted."""

    case_id: int
    balance: int
    gross: int
    attorney_fees: int
    costs: int
    scenarios: list[Scenario]


def preview(actor: Actor, case_id: int, *, gross: int, attorney_fees: int, costs: int,
            percent: Decimal | None = None, cap_percent: Decimal | None = None,
            amount: int | None = None, final: int | None = None) -> Preview:
    """Show the lien and the client's net under each method; post nothing.

    `pro_rata` always shows; `percent`, `cap`, `amount` and `final` show when their value is
    given (``cap_percent`` is the cap's P).
    """
    case = cases.get_case(actor, case_id, disclosing=PAYOFF)
    terms = calculator.Terms(gross, attorney_fees, costs)
    _check_terms(terms, "gross")
    balance = case_balance(case.id)
    audit.record(actor, "settlement.previewed", "case", case.id)
    wanted: list[tuple[str, str, int | Decimal | None]] = [("none", "", None),
                                                           (rules.PRO_RATA, "", None)]
    wanted += [(method, field, value) for method, field, value in (
        (rules.PERCENT, "percent", percent), (rules.CAP, "cap_percent", cap_percent),
        (rules.AMOUNT, "amount", amount), (rules.FINAL, "final", final)) if value is not None]
    scenarios = []
    for method, field, value in wanted:
        try:
            reduction = (0 if method == "none"
                         else calculator.reduction_for(method, balance, value, terms))
        except calculator.ReductionRefused as exc:
            raise field_error(field, str(exc)) from exc
        shown = None if value is None else (str(value) if isinstance(value, Decimal)
                                            else format_cents(value))
        scenarios.append(Scenario(method, shown, reduction, balance - reduction,
                                  calculator.client_net(terms, balance - reduction)))
    return Preview(case.id, balance, gross, attorney_fees, costs, scenarios)
