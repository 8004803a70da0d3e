"""Run DUR against the patient's medications, keep alerts stable, record coded resolutions."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from lienrx.audit import services as audit
from lienrx.cases.models import Case
from lienrx.core import clock, locks, reference
from lienrx.core.actors import Actor
from lienrx.core.errors import Forbidden, NotFound, ValidationFailed
from lienrx.core.security import PHARMACIST
from lienrx.dur import codes, models
from lienrx.dur.engine import WHEN_KEYS, Allergy, Medication, PatientFacts, RuleView, review
from lienrx.dur.models import DurAlert, DurClass, DurRule
from lienrx.dur.quantity import DosedMedication
from lienrx.extensions import db
from lienrx.parties import services as parties
from lienrx.parties.models import Patient
from lienrx.prescribing import dose
from lienrx.prescribing.models import Prescription

MedicationSource = Callable[[int], Iterable[Medication]]  # a patient's id → medications


def as_medication(prescription: Prescription) -> Medication:
    """A prescription seen as a medication the patient takes (per fill, per day) and by its
    active ingredient (allergies match it); with a structured dose, its daily amount is the
    dose's (SPEC §7.3)."""
    product = prescription.product
    return DosedMedication(
        prescription_id=prescription.id, product_code=product.code, product_name=product.name,
        route=product.route, classes=frozenset(product.dur_classes or []),
        quantity=Decimal(prescription.quantity), days_supply=prescription.days_supply,
        strength_mg_per_unit=(None if product.strength_mg_per_unit is None
                              else Decimal(product.strength_mg_per_unit)),
        ingredient=product.active_ingredient, mg_per_day=dose.daily_dose_mg(prescription),
        unit=product.unit, dose_daily_units=dose.daily_dose_units(prescription))


def active_prescriptions(patient_id: int, on: date) -> list[Prescription]:
    """The patient's prescriptions on every case that count as active on ``on`` (SPEC §7.3):
    status `active`, ``on`` ≤ ``expires_on`` and quantity remaining; derived, never stored."""
    found = db.session.execute(
        sa.select(Prescription).join(Case, Case.id == Prescription.case_id)
        .where(Case.patient_id == patient_id, Prescription.status == "active",
               Prescription.expires_on >= on)
        .options(joinedload(Prescription.product, innerjoin=True))
        .order_by(Prescription.id)).scalars()
    return [p for p in found if p.quantity_remaining > 0]


def _active_prescriptions(patient_id: int) -> Iterable[Medication]:
    return [as_medication(p) for p in active_prescriptions(patient_id, clock.today())]


def class_index() -> dict[str, frozenset[str]]:
    """Each active ingredient → the DUR classes listing it (from the seeded class table)."""
    return reference.cached("dur_class_index", _read_class_index)


def _read_class_index() -> dict[str, frozenset[str]]:
    index: dict[str, set[str]] = {}
    for code, ingredients in db.session.execute(sa.select(DurClass.code, DurClass.ingredients)):
        for ingredient in ingredients:
            index.setdefault(ingredient.strip().lower(), set()).add(code)
    return {k: frozenset(v) for k, v in index.items()}


def _outside_medications(patient_id: int) -> Iterable[Medication]:
    """Outside medications not stopped, in the DUR classes of their ingredient."""
    index = class_index()
    return [Medication(
        prescription_id=m.id, product_code=f"outside-{m.id}",
        product_name=f"{m.name} (outside medication)", route="",
        classes=index.get(m.ingredient.strip().lower(), frozenset()), quantity=Decimal(0),
        days_supply=0, strength_mg_per_unit=None, ingredient=m.ingredient.strip().lower(),
        mg_per_day=None if m.dose_mg_per_day is None else Decimal(m.dose_mg_per_day),
        origin="outside")
        for m in parties.active_outside_medications(patient_id, clock.today())]


# Where a patient's active medications come from. Dispensing adds a source for dispensed
# supplies whose days supply has not run out (SPEC §7.3) with register_medication_source.
MEDICATION_SOURCES: list[MedicationSource] = [_active_prescriptions, _outside_medications]


def register_medication_source(source: MedicationSource) -> None:
    """Add a source of active medications (once)."""
    if source not in MEDICATION_SOURCES:
        MEDICATION_SOURCES.append(source)


def active_medications(patient_id: int) -> list[Medication]:
    """The patient's active medications from every source, one per prescription or outside
    medication."""
    seen: dict[tuple[str, int], Medication] = {}
    for source in MEDICATION_SOURCES:
        for medication in source(patient_id):
            seen.setdefault(medication.key, medication)
    return list(seen.values())


def patient_facts(patient_id: int) -> PatientFacts:
    """What the rules know of the patient: sex, creatinine clearance and allergies."""
    patient = db.session.get(Patient, patient_id)
    if patient is None:
        raise NotFound("No such patient.")
    return PatientFacts(
        sex=patient.sex,
        creatinine_clearance=(None if patient.creatinine_clearance is None
                              else Decimal(patient.creatinine_clearance)),
        creatinine_clearance_on=patient.creatinine_clearance_on,
        allergies=tuple(Allergy(str(a["substance"]), a.get("reaction"))
                        for a in patient.allergies or () if a.get("substance")))


def active_rules() -> tuple[RuleView, ...]:
    """The rule table, in code order."""
    return reference.cached("dur_rules", _read_active_rules)


def _read_active_rules() -> tuple[RuleView, ...]:
    rows = db.session.execute(
        sa.select(DurRule.code, DurRule.kind, DurRule.severity, DurRule.params, DurRule.message)
        .where(DurRule.active.is_(True)).order_by(DurRule.code))
    return tuple(RuleView(code, kind, severity, dict(params), message)
                 for code, kind, severity, params, message in rows)


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
    """Review a prescription against the patient's active medications (every case, supplies
    in use, outside medications) and clinical profile; return its alerts.

    The same finding (prescription, rule, counterpart drug) always maps to the same alert,
    so ids are stable and a resolution, once recorded, stays with it.
    """
    patient_id = db.session.get_one(Case, prescription.case_id).patient_id  # no query if loaded
    findings = review(as_medication(prescription), active_medications(patient_id),
                      active_rules(), patient_facts(patient_id))
    alerts = [_get_or_create(prescription.id, f) for f in findings]
    db.session.flush()
    audit.record(actor, "dur.evaluated", "prescription", prescription.id,
                 {"alerts": [a.id for a in alerts], "patient_id": patient_id})
    return alerts


def alerts_for(prescription_id: int) -> list[DurAlert]:
    """Every alert recorded on a prescription, oldest first."""
    return list(db.session.execute(
        sa.select(DurAlert).where(DurAlert.prescription_id == prescription_id)
        .order_by(DurAlert.id)).scalars())


def unresolved_high(alerts: Iterable[DurAlert]) -> list[DurAlert]:
    """The high-severity alerts still open: a dispense must wait for their resolution."""
    return [a for a in alerts if a.severity == "high" and a.status == "open"]


@dataclass(frozen=True)
class Resolution:
    """A pharmacist's resolution of an alert: NCPDP codes (all three or none), who was
    contacted and when, and a note."""

    reason: str | None = None
    professional_service: str | None = None
    result: str | None = None
    note: str | None = None
    contacted_name: str | None = None
    contacted_at: datetime | None = None

    @classmethod
    def from_loaded(cls, body: dict[str, Any]) -> Resolution:
        """From the output of ``ResolutionSchema`` (``resolution`` is read as the note)."""
        contacted = body.get("contacted") or {}
        return cls(reason=body.get("reason"),
                   professional_service=body.get("professional_service"),
                   result=body.get("result"),
                   note=(body.get("note") or body.get("resolution") or "").strip() or None,
                   contacted_name=contacted.get("name"), contacted_at=contacted.get("at"))

    @property
    def coded(self) -> bool:
        return bool(self.reason and self.professional_service and self.result)


def resolution_problems(alert: DurAlert, resolution: Resolution) -> dict[str, Any]:
    """What keeps ``resolution`` from resolving ``alert``, by field (none: it may)."""
    if not resolution.coded and not resolution.note:
        return {"note": ["Give the coded resolution (reason, professional service, result) "
                         "or a note."]}
    if alert.severity == "high" and not resolution.coded:
        return {"reason": ["A high-severity alert needs the coded resolution: reason, "
                           "professional service and result; a note alone is not enough."]}
    if resolution.professional_service in codes.NEEDS_CONTACT and not (
            resolution.contacted_name and resolution.contacted_at):
        service = codes.PROFESSIONAL_SERVICES[resolution.professional_service]
        return {"contacted": [f"{service[:1].upper()}{service[1:]} "
                              f"({resolution.professional_service}): say who was contacted "
                              "and when."]}
    if resolution.contacted_at and clock.in_future(resolution.contacted_at):
        return {"contacted": {"at": ["Must not be in the future."]}}
    return {}


def resolve(alert_id: int, actor: Actor, resolution: Resolution) -> DurAlert:
    """Record a pharmacist's resolution of an alert (a repeat leaves the first one)."""
    if actor.role != PHARMACIST:
        raise Forbidden("Only a pharmacist resolves DUR alerts.")
    alert = locks.lock(sa.select(DurAlert).where(DurAlert.id == alert_id), DurAlert)
    if alert is None:
        raise NotFound("No such DUR alert.")
    if alert.status == "resolved":
        return alert
    problems = resolution_problems(alert, resolution)
    if problems:
        raise ValidationFailed(problems)
    alert.status = "resolved"
    alert.resolution = resolution.note[:1000] if resolution.note else None
    if resolution.coded:
        alert.reason_code, alert.professional_service_code, alert.result_code = (
            resolution.reason, resolution.professional_service, resolution.result)
    if resolution.contacted_name and resolution.contacted_at:
        alert.contacted_name, alert.contacted_at = (resolution.contacted_name,
                                                    resolution.contacted_at)
    alert.resolved_by_user_id, alert.resolved_at = actor.id, clock.utcnow()
    db.session.flush()
    audit.record(actor, "dur_alert.resolved", "dur_alert", alert.id,
                 {"prescription_id": alert.prescription_id, "rule": alert.rule_code,
                  "codes": [alert.reason_code, alert.professional_service_code,
                            alert.result_code]})
    return alert


def snapshot(alert: DurAlert) -> dict[str, Any]:
    """An alert as a dispense records it (its review at the time)."""
    return {"id": alert.id, "kind": alert.kind, "severity": alert.severity,
            "message": alert.message, "status": alert.status, "resolution": alert.resolution,
            "reason": alert.reason_code, "professional_service": alert.professional_service_code,
            "result": alert.result_code, "resolution_in_words": alert.resolution_in_words}


def upsert_rule(actor: Actor | None, *, code: str, kind: str, severity: str, params: dict[str, Any],
                message: str, source: str | None = None,
                active: bool = True) -> tuple[DurRule, bool]:
    """Create or update a row of the rule table; say whether it changed."""
    if kind not in models.KINDS or severity not in models.SEVERITIES:
        raise ValidationFailed({"kind": [f"One of {', '.join(models.KINDS)}."]}
                               if kind not in models.KINDS else
                               {"severity": [f"One of {', '.join(models.SEVERITIES)}."]})
    unknown = set(params.get("when", {})) - set(WHEN_KEYS)
    if unknown:
        raise ValidationFailed({"params": [f"Unknown condition(s) {sorted(unknown)}; "
                                           f"one of {', '.join(WHEN_KEYS)}."]})
    rule = db.session.execute(sa.select(DurRule).where(DurRule.code == code)).scalar_one_or_none()
    data = {"kind": kind, "severity": severity, "params": params, "message": message,
            "source": source, "active": active}
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


def upsert_class(actor: Actor | None, *, code: str, ingredients: list[str],
                 source: str | None = None) -> tuple[DurClass, bool]:
    """Create or update a DUR class's ingredient list; say whether it changed."""
    ingredients = sorted({i.strip().lower() for i in ingredients if i.strip()})
    row = db.session.execute(
        sa.select(DurClass).where(DurClass.code == code)).scalar_one_or_none()
    if row is None:
        row = DurClass(code=code, ingredients=ingredients, source=source)
        db.session.add(row)
        db.session.flush()
        audit.record(actor, "dur_class.created", "dur_class", row.id, {"code": code})
        return row, True
    if (row.ingredients, row.source) == (ingredients, source):
        return row, False
    row.ingredients, row.source = ingredients, source
    db.session.flush()
    audit.record(actor, "dur_class.updated", "dur_class", row.id, {"code": code})
    return row, True
