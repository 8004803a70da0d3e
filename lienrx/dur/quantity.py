"""Quantity against the structured dose (SPEC §7.3): the `quantity_mismatch` rule kind.

A prescription with a structured dose is reviewed as a :class:`DosedMedication`: its daily
amount comes from the dose. The rule fires when quantity ÷ days supply differs from that
daily amount (both in the product's dispensing unit) by more than the rule row's
``tolerance`` (a fraction: 0.10 is 10 %).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from lienrx.core.schemas import plain_number
from lienrx.dur.engine import KIND_CHECKS, Finding, Medication, PatientFacts, RuleView

KIND = "quantity_mismatch"


@dataclass(frozen=True)
class DosedMedication(Medication):
    """A medication that may carry its prescription's structured dose per day in the
    product's dispensing ``unit`` (its mg a day go in ``mg_per_day``)."""

    unit: str = ""
    dose_daily_units: Decimal | None = None

    def daily(self, basis: str) -> Decimal | None:
        """The dose's daily amount when there is one, else quantity ÷ days supply."""
        if basis == "units" and self.dose_daily_units is not None:
            return self.dose_daily_units
        return super().daily(basis)


def _fmt(amount: Decimal) -> str:
    return plain_number(amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def quantity_mismatch(rule: RuleView, subject: Medication, others: list[Medication],
                      facts: PatientFacts) -> list[Finding]:
    """The subject's quantity per day against its dose's daily amount (the others and the
    patient's facts play no part)."""
    if not isinstance(subject, DosedMedication) or not subject.dose_daily_units:
        return []
    per_day, dosed = subject.quantity / subject.days_supply, subject.dose_daily_units
    tolerance = Decimal(str(rule.params["tolerance"]))
    if abs(per_day - dosed) <= dosed * tolerance:
        return []
    return [Finding(rule, "", rule.message.format(
        drug=subject.product_name, quantity=plain_number(subject.quantity),
        days=subject.days_supply, per_day=_fmt(per_day), dose=_fmt(dosed), unit=subject.unit,
        tolerance=_fmt(tolerance * 100)))]


KIND_CHECKS[KIND] = quantity_mismatch
