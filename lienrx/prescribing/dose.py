"""Structured dose (SPEC §7.3): amount × times a day, in mg and in the product's own unit;
the sig written from it, and a typed sig checked against it.

A dose in the product's dispensing unit (g of a cream, mL of a solution, each) is an amount
of the product; a dose in mg, or in g of a product not dispensed by weight, is an amount of
the drug. Products are read through :class:`DosedProduct`, so this module needs no model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from lienrx.core.schemas import plain_number
from lienrx.prescribing import rules

_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_TIMES_IN_FIGURES = re.compile(r"\b(\d+(?:\.\d+)?)\s+times\b")


class DosedProduct(Protocol):
    """What the dose rules read of a product."""

    unit: str
    route: str
    dosage_form: str
    strength_mg_per_unit: Decimal | None


@dataclass(frozen=True)
class Dose:
    """``amount`` ``unit`` taken ``times_per_day`` times a day."""

    amount: Decimal
    unit: str
    times_per_day: Decimal

    @property
    def daily_amount(self) -> Decimal:
        """Amount × times per day, in the dose's unit."""
        return Decimal(self.amount) * Decimal(self.times_per_day)


def _is_patch(product: DosedProduct) -> bool:
    return product.unit == "each" and product.dosage_form.startswith("patch")


def _counts_product_units(unit: str, product: DosedProduct) -> bool:
    """Whether an amount in ``unit`` is an amount of the product itself."""
    return unit == product.unit or (unit == "patch" and _is_patch(product))


def unit_problem(unit: str, product: DosedProduct) -> str | None:
    """Why a dose cannot be given in ``unit`` for ``product`` (None when it can)."""
    if _counts_product_units(unit, product) or unit in rules.MG_PER_MASS_UNIT:
        return None
    if unit == "application" and product.route in rules.TOPICAL_ROUTES:
        return None
    usable = [u for u in rules.DOSE_UNITS if u != unit and (
        _counts_product_units(u, product) or u in rules.MG_PER_MASS_UNIT
        or (u == "application" and product.route in rules.TOPICAL_ROUTES))]
    return f"A dose of this product is given in {', '.join(usable)}, not {unit}."


def in_mg(amount: Decimal, unit: str, product: DosedProduct) -> Decimal | None:
    """An amount in mg of the drug, when it can be worked out."""
    strength = product.strength_mg_per_unit
    if _counts_product_units(unit, product):
        return None if strength is None else Decimal(amount) * Decimal(strength)
    if unit in rules.MG_PER_MASS_UNIT:
        return Decimal(amount) * rules.MG_PER_MASS_UNIT[unit]
    return None


def in_product_units(amount: Decimal, unit: str, product: DosedProduct) -> Decimal | None:
    """An amount in the product's dispensing unit, when it can be worked out."""
    if _counts_product_units(unit, product):
        return Decimal(amount)
    mg, strength = in_mg(amount, unit, product), product.strength_mg_per_unit
    if mg is None or not strength:
        return None
    return mg / Decimal(strength)


def daily_mg(dose: Dose, product: DosedProduct) -> Decimal | None:
    """The daily dose in mg of the drug, when it can be worked out."""
    return in_mg(dose.daily_amount, dose.unit, product)


def daily_units(dose: Dose, product: DosedProduct) -> Decimal | None:
    """The daily amount in the product's dispensing unit, when it can be worked out."""
    return in_product_units(dose.daily_amount, dose.unit, product)


class Dosed(Protocol):
    """A prescription as the dose rules read it."""

    @property
    def dose(self) -> Dose | None: ...

    @property
    def product(self) -> DosedProduct: ...


def daily_dose_mg(prescription: Dosed) -> Decimal | None:
    """A prescription's daily dose in mg from its structured dose, when it can be worked out."""
    dose = prescription.dose
    return None if dose is None else daily_mg(dose, prescription.product)


def daily_dose_units(prescription: Dosed) -> Decimal | None:
    """A prescription's daily amount in its product's dispensing unit from its structured
    dose, when it can be worked out."""
    dose = prescription.dose
    return None if dose is None else daily_units(dose, prescription.product)


def _unit_word(unit: str, amount: Decimal, product: DosedProduct) -> str:
    if unit in ("each", "patch", "application"):
        noun = product.dosage_form.split(",")[0].strip() if unit == "each" else unit
        plural = noun + ("es" if noun.endswith(("ch", "s", "x")) else "s")
        return noun if amount == 1 else plural
    return unit


def frequency_phrase(times_per_day: Decimal) -> str:
    """"three times daily", or "N times daily" for a number without words."""
    return rules.FREQUENCY_PHRASES.get(Decimal(times_per_day).normalize(),
                                       f"{plain_number(times_per_day)} times daily")


def sig_for(dose: Dose, product: DosedProduct) -> str:
    """The sig written from a dose: "Take 300 mg by mouth three times daily"."""
    verb, where = rules.ROUTE_WORDS[product.route]
    amount = plain_number(dose.amount)
    return (f"{verb} {amount} {_unit_word(dose.unit, dose.amount, product)} {where} "
            f"{frequency_phrase(dose.times_per_day)}")


def stated_times_per_day(sig: str) -> Decimal | None:
    """How often a typed sig says to take the drug: "N times" in figures, else the first
    of ``rules.FREQUENCY_WORDS`` found (None when it says nothing the table knows)."""
    text = sig.lower()
    figures = _TIMES_IN_FIGURES.search(text)
    if figures:
        return Decimal(figures.group(1))
    for times, words in rules.FREQUENCY_WORDS.items():
        if any(re.search(rf"\b{re.escape(word)}\b", text) for word in words):
            return times
    return None


def _product_units(dose: Dose, product: DosedProduct) -> Decimal | None:
    """The dose's amount as units of the product, when that is a plain figure (1 capsule)."""
    units = in_product_units(dose.amount, dose.unit, product)
    if units is None or units != units.quantize(Decimal("0.001")):
        return None
    return units


def sig_problem(sig: str, dose: Dose, product: DosedProduct) -> str | None:
    """Why a typed sig contradicts the dose: it must state the amount (in the dose's unit or
    as units of the product) and how often; None when it does."""
    units = _product_units(dose, product)
    amounts = {Decimal(dose.amount)} | ({units} if units is not None else set())
    numbers = {Decimal(n) for n in _NUMBER.findall(sig)}
    times = Decimal(dose.times_per_day)
    if amounts & numbers and stated_times_per_day(sig) == times:
        return None
    said = [f"{plain_number(dose.amount)} {_unit_word(dose.unit, dose.amount, product)}"]
    if units is not None and not _counts_product_units(dose.unit, product):
        said.append(f"{plain_number(units)} {_unit_word(product.unit, units, product)}")
    return (f"The sig does not match the dose ({sig_for(dose, product)}): it must give the "
            f"amount ({' or '.join(said)}) and how often ({frequency_phrase(times)}).")
