"""The DUR engine: one small function per rule kind, driven by the rule table.

Pure functions over :class:`Medication` values, so the rules are testable without a database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any


@dataclass(frozen=True)
class Medication:
    """Something the patient takes now: from a prescription (dispensed or not) or a supply."""

    prescription_id: int
    product_code: str
    product_name: str
    route: str
    classes: frozenset[str]
    quantity: Decimal
    days_supply: int
    strength_mg_per_unit: Decimal | None

    def daily(self, basis: str) -> Decimal | None:
        """Daily amount: units per day, or mg per day (quantity × strength ÷ days supply)."""
        units = self.quantity / self.days_supply
        if basis == "units":
            return units
        return None if self.strength_mg_per_unit is None else units * self.strength_mg_per_unit


@dataclass(frozen=True)
class RuleView:
    """The parts of a rule row the engine reads."""

    code: str
    kind: str
    severity: str
    params: dict[str, Any]
    message: str


@dataclass(frozen=True)
class Finding:
    """A rule that fires for the subject, against ``counterpart`` (a product code, or "")."""

    rule: RuleView
    counterpart: str
    message: str


def _has(med: Medication, classes: Iterable[str]) -> bool:
    return bool(med.classes & set(classes))


def _pairs(rule: RuleView, subject: Medication, others: list[Medication]) -> list[Finding]:
    p = rule.params
    found: dict[str, Finding] = {}
    for other in others:
        if "same" in p:
            hit = (_has(subject, p["same"]) and _has(other, p["same"])
                   and (not p.get("same_route") or subject.route == other.route))
        else:
            hit = ((_has(subject, p["a"]) and _has(other, p["b"]))
                   or (_has(subject, p["b"]) and _has(other, p["a"])))
        if hit and other.product_code not in found:
            found[other.product_code] = Finding(rule, other.product_code, rule.message.format(
                drug=subject.product_name, other=other.product_name))
    return list(found.values())


def _cns_count(rule: RuleView, subject: Medication, others: list[Medication]) -> list[Finding]:
    classes = rule.params["classes"]
    if not _has(subject, classes):
        return []
    count = 1 + sum(1 for o in others if _has(o, classes))
    if count < int(rule.params["threshold"]):
        return []
    return [Finding(rule, "", rule.message.format(drug=subject.product_name, count=count))]


def _fmt(amount: Decimal) -> str:
    text = str(amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
    return text.rstrip("0").rstrip(".") if "." in text else text


def _max_dose(rule: RuleView, subject: Medication, others: list[Medication]) -> list[Finding]:
    p = rule.params
    if p["drug"] not in subject.classes:
        return []
    same = [subject] + [o for o in others if p["drug"] in o.classes]
    amounts = [m.daily(p.get("basis", "mg")) for m in same]
    known = [a for a in amounts if a is not None]
    if len(known) < len(amounts):  # a daily dose we cannot work out: no total to compare
        return []
    total = sum(known, Decimal(0))
    if total <= Decimal(str(p["max"])):
        return []
    return [Finding(rule, "", rule.message.format(
        drug=subject.product_name, dose=_fmt(total), max=_fmt(Decimal(str(p["max"]))),
        unit=p.get("unit", "mg")))]


KIND_CHECKS: dict[str, Callable[[RuleView, Medication, list[Medication]], list[Finding]]] = {
    "duplicate_therapy": _pairs,
    "interaction": _pairs,
    "cns_depressant_count": _cns_count,
    "max_daily_dose": _max_dose,
}


def review(subject: Medication, others: list[Medication], rules: list[RuleView]) -> list[Finding]:
    """Every finding the rules raise for ``subject`` against the patient's other medications."""
    others = [o for o in others if o.prescription_id != subject.prescription_id]
    findings: list[Finding] = []
    for rule in rules:
        findings.extend(KIND_CHECKS[rule.kind](rule, subject, others))
    return findings
