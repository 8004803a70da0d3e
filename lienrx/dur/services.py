"""Run DUR against a case's active medications, keep alerts stable, record resolutions."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from lienrx.audit import services as audit
from lienrx.core import clock, locks
from lienrx.core.actors import Actor
from lienrx.core.errors import Forbidden, NotFound, ValidationFailed
from lienrx.core.security import PHARMACIST
from lienrx.dur import models
from lienrx.dur.engine import Medication, RuleView, review
from lienrx.dur.models import DurAlert, DurRule
from lienrx.dur.quantity import DosedMedication
from lienrx.extensions import db
from lienrx.prescribing import dose
from lienrx.prescribing.models import Prescription
from lienrx.prescribing.services import prescriptions_for_case

MedicationSource = Callable[[int], Iterable[Medication]]


def as_medication(prescription: Prescription) -> Medication:
    """A prescription seen as a medication the patient takes (per fill, per day); with a
    structured dose, its daily amount is the dose's (SPEC §7.3)."""
    product = prescription.product
    return DosedMedication(
        prescription_id=prescription.id, product_code=product.code, product_name=product.name,
        route=product.route, classes=frozenset(product.dur_classes or []),
        quantity=Decimal(prescription.quantity), days_supply=prescription.days_supply,
        strength_mg_per_unit=(None if product.strength_mg_per_unit is None
                              else Decimal(product.strength_mg_per_unit)),
        unit=product.unit, dose_daily_units=dose.daily_dose_units(prescription),
        dose_daily_mg=dose.daily_dose_mg(prescription))


def _active_prescriptions(case_id: int) -> Iterable[Medication]:
    return [as_medication(p) for p in prescriptions_for_case(case_id, ("active",))]


# Where a case's active medications come from. Dispensing adds a source for dispensed
# supplies whose days supply has not run out (SPEC §4.6) with register_medication_source.
MEDICATION_SOURCES: list[MedicationSource] = [_active_prescriptions]


def register_medication_source(source: MedicationSource) -> None:
    """Add a source of active medications (once)."""
    if source not in MEDICATION_SOURCES:
        MEDICATION_SOURCES.append(source)


def active_medications(case_id: int) -> list[Medication]:
    """The case's active medications from every source, one per prescription."""
    seen: dict[int, Medication] = {}
    for source in MEDICATION_SOURCES:
        for medication in source(case_id):
            seen.setdefault(medication.prescription_id, medication)
    return list(seen.values())


def active_rules() -> list[RuleView]:
    """The rule table, in code order."""
    rows = db.session.execute(
        sa.select(DurRule).where(DurRule.active.is_(True)).order_by(DurRule.code)).scalars()
    return [RuleView(r.code, r.kind, r.severity, dict(r.params), r.message) for r in rows]


def _get_or_create(prescription_id: int, finding: Any) -> DurAlert:
    key = (DurAlert.prescription_id == prescription_id,
           DurAlert.rule_code == finding.rule.code, DurAlert.counterpart == finding.counterpart)
    alert = db.session.execute(sa.select(DurAlert).where(*key)).scalar_one_or_none()
    if alert is not None:
        return alert
    alert = DurAlert(prescription_id=prescription_id, rule_code=finding.rule.code,
                     counterpart=finding.counterpart, kind=finding.rule.kind,
                     severity=finding.rule.severity, message=finding.message, status="open")
    try:
        with db.session.begin_nested():
            db.session.add(alert)
    except sa.exc.IntegrityError:  # another request made the same alert first
        alert = db.session.execute(sa.select(DurAlert).where(*key)).scalar_one()
    return alert


def evaluate(prescription: Prescription, actor: Actor | None) -> list[DurAlert]:
    """Review a prescription against the case's active medications; return its alerts.

    The same finding (prescription, rule, counterpart drug) always maps to the same alert,
    so ids are stable and a resolution, once recorded, stays with it.
    """
    subject = as_medication(prescription)
    others = active_medications(prescription.case_id)
    findings = review(subject, others, active_rules())
    alerts = [_get_or_create(prescription.id, f) for f in findings]
    db.session.flush()
    audit.record(actor, "dur.evaluated", "prescription", prescription.id,
                 {"alerts": [a.id for a in alerts]})
    return alerts


def alerts_for(prescription_id: int) -> list[DurAlert]:
    """Every alert recorded on a prescription, oldest first."""
    return list(db.session.execute(
        sa.select(DurAlert).where(DurAlert.prescription_id == prescription_id)
        .order_by(DurAlert.id)).scalars())


def unresolved_high(alerts: Iterable[DurAlert]) -> list[DurAlert]:
    """The high-severity alerts still open: a dispense must wait for their resolution."""
    return [a for a in alerts if a.severity == "high" and a.status == "open"]


def resolve(alert_id: int, actor: Actor, resolution: str) -> DurAlert:
    """Record a pharmacist's resolution of an alert (a repeat leaves the first one)."""
    if actor.role != PHARMACIST:
        raise Forbidden("Only a pharmacist resolves DUR alerts.")
    resolution = (resolution or "").strip()
    if not resolution:
        raise ValidationFailed({"resolution": ["Say how the alert was resolved."]})
    alert = locks.lock(sa.select(DurAlert).where(DurAlert.id == alert_id), DurAlert)
    if alert is None:
        raise NotFound("No such DUR alert.")
    if alert.status == "resolved":
        return alert
    alert.status, alert.resolution = "resolved", resolution[:1000]
    alert.resolved_by_user_id, alert.resolved_at = actor.id, clock.utcnow()
    db.session.flush()
    audit.record(actor, "dur_alert.resolved", "dur_alert", alert.id,
                 {"prescription_id": alert.prescription_id, "rule": alert.rule_code})
    return alert


def upsert_rule(actor: Actor | None, *, code: str, kind: str, severity: str, params: dict[str, Any],
                message: str, active: bool = True) -> tuple[DurRule, bool]:
    """Create or update a row of the rule table; say whether it changed."""
    if kind not in models.KINDS or severity not in models.SEVERITIES:
        raise ValidationFailed({"kind": [f"One of {', '.join(models.KINDS)}."]}
                               if kind not in models.KINDS else
                               {"severity": [f"One of {', '.join(models.SEVERITIES)}."]})
    rule = db.session.execute(sa.select(DurRule).where(DurRule.code == code)).scalar_one_or_none()
    data = {"kind": kind, "severity": severity, "params": params, "message": message,
            "active": active}
    if rule is None:
        rule = DurRule(code=code, **data)
        db.session.add(rule)
        db.session.flush()
        audit.record(actor, "dur_rule.created", "dur_rule", rule.id, {"code": code})
        return rule, True
    changed = [k for k, v in data.items() if getattr(rule, k) != v]
    for key in changed:
        setattr(rule, key, data[key])
    if changed:
        db.session.flush()
        audit.record(actor, "dur_rule.updated", "dur_rule", rule.id, {"fields": changed})
    return rule, bool(changed)
