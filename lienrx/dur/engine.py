"""The DUR engine: one small function per rule kind, driven by the rule table.

Pure functions over :class:`Medication` values and the patient's :class:`PatientFacts`, so the
rules are testable without a database. Every rule row may also carry, in its ``params``:

- ``exclude_route_groups``: medications whose route is in one of these groups
  (:data:`lienrx.formulary.rules.ROUTE_GROUPS`) are invisible to the rule, as subject and as
  counterpart (topical ketamine is no CNS depressant; an unknown route counts);
- ``when``: patient facts the rule needs (``sex``; ``crcl_from`` / ``crcl_below``, mL/min,
  the band of creatinine clearance); a rule whose fact is unknown does not apply.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from lienrx.formulary.rules import ROUTE_GROUPS

SEVERITY_RANK = {"low": 0, "moderate": 1, "high": 2}
WHEN_KEYS = ("sex", "crcl_from", "crcl_below")


@dataclass(frozen=True)
class Medication:
    """Something the patient takes now: a prescription (dispensed or not), a supply in use,
    or an outside medication (``origin="outside"``, its record's id in ``prescription_id``)."""

    prescription_id: int
    product_code: str
    product_name: str
    route: str
    classes: frozenset[str]
    quantity: Decimal
    days_supply: int
    strength_mg_per_unit: Decimal | None
    ingredient: str | None = None
    mg_per_day: Decimal | None = None  # a daily dose known as such (an outside medication's)
    origin: str = "prescription"

    @property
    def key(self) -> tuple[str, int]:
        """One medication of the patient, whatever its source."""
        return self.origin, self.prescription_id

    @property
    def route_group(self) -> str | None:
        return ROUTE_GROUPS.get(self.route)

    def daily(self, basis: str) -> Decimal | None:
        """Daily amount: units per day, or mg per day (quantity × strength ÷ days supply)."""
        if basis == "mg" and self.mg_per_day is not None:
            return self.mg_per_day
        if self.days_supply <= 0:
            return None
        units = self.quantity / self.days_supply
        if basis == "units":
            return units
        return None if self.strength_mg_per_unit is None else units * self.strength_mg_per_unit


@dataclass(frozen=True)
class Allergy:
    substance: str
    reaction: str | None = None


@dataclass(frozen=True)
class PatientFacts:
    """What the rules may know of the patient (each fact ``None`` / empty when not on file)."""

    sex: str | None = None
    creatinine_clearance: Decimal | None = None
    creatinine_clearance_on: date | None = None
    allergies: tuple[Allergy, ...] = ()

    def crcl_text(self) -> str:
        if self.creatinine_clearance is None:
            return "unknown"
        on = f" on {self.creatinine_clearance_on.isoformat()}" \
            if self.creatinine_clearance_on else ""
        return f"{_fmt(self.creatinine_clearance)} mL/min{on}"


NO_FACTS = PatientFacts()


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


def _pairs(rule: RuleView, subject: Medication, others: list[Medication],
           facts: PatientFacts) -> list[Finding]:
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


def _cns_count(rule: RuleView, subject: Medication, others: list[Medication],
               facts: PatientFacts) -> list[Finding]:
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


def _max_dose(rule: RuleView, subject: Medication, others: list[Medication],
              facts: PatientFacts) -> list[Finding]:
    """The drug's daily doses added up; one whose daily dose is unknown (an outside
    medication without a dose) adds nothing, so a total over the limit is over it anyway."""
    p = rule.params
    if p["drug"] not in subject.classes or subject.daily(p.get("basis", "mg")) is None:
        return []
    same = [subject] + [o for o in others if p["drug"] in o.classes]
    known = [a for a in (m.daily(p.get("basis", "mg")) for m in same) if a is not None]
    total = sum(known, Decimal(0))
    if total <= Decimal(str(p["max"])):
        return []
    return [Finding(rule, "", rule.message.format(
        drug=subject.product_name, dose=_fmt(total), max=_fmt(Decimal(str(p["max"]))),
        unit=p.get("unit", "mg"), crcl=facts.crcl_text()))]


def _allergy(rule: RuleView, subject: Medication, others: list[Medication],
             facts: PatientFacts) -> list[Finding]:
    """An allergy whose substance names the drug's active ingredient (as a whole word, so
    "Ketamine HCl" matches ketamine)."""
    if not subject.ingredient:
        return []
    word = re.compile(rf"\b{re.escape(subject.ingredient.lower())}\b")
    for allergy in facts.allergies:
        if word.search(allergy.substance.lower()):
            reaction = f" (reaction: {allergy.reaction})" if allergy.reaction else ""
            return [Finding(rule, "", rule.message.format(
                drug=subject.product_name, ingredient=subject.ingredient,
                substance=allergy.substance, reaction=reaction))]
    return []


KIND_CHECKS: dict[str, Callable[[RuleView, Medication, list[Medication], PatientFacts],
                                list[Finding]]] = {
    "duplicate_therapy": _pairs,
    "interaction": _pairs,
    "cns_depressant_count": _cns_count,
    "max_daily_dose": _max_dose,
    "allergy": _allergy,
}


def applies(when: dict[str, Any], facts: PatientFacts) -> bool:
    """Whether the patient facts meet a rule's ``when`` (an unknown fact meets nothing)."""
    if "sex" in when and facts.sex != when["sex"]:
        return False
    if "crcl_from" in when or "crcl_below" in when:
        crcl = facts.creatinine_clearance
        if crcl is None:
            return False
        if "crcl_from" in when and crcl < Decimal(str(when["crcl_from"])):
            return False
        if "crcl_below" in when and crcl >= Decimal(str(when["crcl_below"])):
            return False
    return True


def _one_dose_alert_per_drug(findings: list[Finding]) -> list[Finding]:
    """Of the dose limits a drug exceeds, keep the most severe, then the lowest (the renal
    limit rather than the label maximum; 600 mg/day ketamine rather than 300)."""
    best: dict[str, Finding] = {}
    for f in findings:
        if f.rule.kind != "max_daily_dose":
            continue
        drug, held = f.rule.params["drug"], best.get(f.rule.params["drug"])
        rank = (-SEVERITY_RANK[f.rule.severity], Decimal(str(f.rule.params["max"])))
        if held is None or rank < (-SEVERITY_RANK[held.rule.severity],
                                   Decimal(str(held.rule.params["max"]))):
            best[drug] = f
    kept = set(map(id, best.values()))
    return [f for f in findings if f.rule.kind != "max_daily_dose" or id(f) in kept]


def review(subject: Medication, others: list[Medication], rules: Sequence[RuleView],
           facts: PatientFacts = NO_FACTS) -> list[Finding]:
    """Every finding the rules raise for ``subject`` against the patient's other medications
    and what is known of the patient."""
    others = [o for o in others if o.key != subject.key]
    findings: list[Finding] = []
    for rule in rules:
        excluded = set(rule.params.get("exclude_route_groups", ()))
        if not applies(rule.params.get("when", {}), facts) or subject.route_group in excluded:
            continue
        seen = [o for o in others if o.route_group not in excluded]
        findings.extend(KIND_CHECKS[rule.kind](rule, subject, seen, facts))
    return _one_dose_alert_per_drug(findings)
