"""Record compounded batches against their master formulation, verify them, and let
dispensing draw from them."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask import current_app

from lienrx.audit import services as audit
from lienrx.compounding import qc, stock
from lienrx.compounding.models import CompoundingRecord, IngredientLot
from lienrx.core import clock, locks
from lienrx.core.actors import Actor
from lienrx.core.errors import Conflict, Forbidden, NotFound, ValidationFailed, field_error
from lienrx.core.identifiers import normalize_ndc
from lienrx.core.schemas import plain_number
from lienrx.core.security import PHARMACIST
from lienrx.core.unit_of_work import keeping_facts
from lienrx.extensions import db
from lienrx.formulary import rules as formulary_rules
from lienrx.formulary.models import FormulationIngredient, MasterFormulation, Product
from lienrx.formulary.services import compounding_formulation

TOLERANCE = Decimal("0.05")  # each weighed amount (but a q.s. one) within ±5 % of the formula
HAZARD_WARNING = ("HAZARDOUS DRUG (USP <800>): handle with chemotherapy gloves; "
                  "do not crush or open capsules.")


def _in_base(quantity: Decimal, unit: str) -> tuple[int, Decimal] | None:
    """(dimension, amount in the dimension's base unit), or None for an unknown unit."""
    for dimension, units in enumerate(formulary_rules.UNIT_DIMENSIONS):
        if unit in units:
            return dimension, quantity * Decimal(units[unit])
    return None


def _ingredient_problems(formulation: MasterFormulation, batch: Decimal,
                         items: list[dict[str, Any]], compounded_on: date) -> list[str]:
    """Why the ingredient list does not match the formula scaled to ``batch`` (empty if ok)."""
    problems: list[str] = []
    by_name: dict[str, dict[str, Any]] = {}
    for item in items:
        key = item["component"].strip().lower()
        if key in by_name:
            problems.append(f"{item['component']} is listed more than once.")
        by_name[key] = item
    expected = {i.component.lower(): i for i in formulation.ingredients}
    for key, item in by_name.items():
        if key not in expected:
            problems.append(f"{item['component']} is not in formulation version "
                            f"{formulation.version}.")
    scale = batch / Decimal(formulation.batch_quantity)
    for key, formula in expected.items():
        weighed = by_name.get(key)
        if weighed is None:
            problems.append(f"{formula.component} is missing.")
            continue
        problems.extend(_one_ingredient(formula, weighed, scale, compounded_on))
    return problems


def _one_ingredient(formula: FormulationIngredient, item: dict[str, Any], scale: Decimal,
                    compounded_on: date) -> list[str]:
    problems = []
    if item["expiration_date"] <= compounded_on:
        problems.append(f"{formula.component} lot {item['lot_number']} expired on "
                        f"{item['expiration_date']}; use an unexpired lot.")
    if formula.role == "api" and not item.get("ndc"):
        problems.append(f"{formula.component} is a drug substance: give its lot's NDC.")
    elif item.get("ndc"):
        try:
            normalize_ndc(str(item["ndc"]))
        except ValueError as exc:
            problems.append(f"{formula.component} lot NDC: {exc}.")
    target = _in_base(Decimal(formula.quantity) * scale, formula.unit)
    actual = _in_base(Decimal(item["quantity"]), item["unit"])
    if target is None or actual is None or actual[0] != target[0]:
        problems.append(f"{formula.component} is measured in {formula.unit} "
                        "(or another unit of the same kind).")
    elif not formula.qs and abs(actual[1] - target[1]) > target[1] * TOLERANCE:
        wanted = Decimal(formula.quantity) * scale
        problems.append(f"{formula.component}: {plain_number(item['quantity'])} {item['unit']} "
                        f"is not within ±5 % of {plain_number(wanted)} {formula.unit}.")
    return problems


def _next_lot_number(prefix: str, on: date) -> str:
    stem = f"{prefix}-{on:%Y%m%d}-"
    count = db.session.execute(
        sa.select(sa.func.count()).select_from(CompoundingRecord)
        .where(CompoundingRecord.lot_number.like(f"{stem}%"))).scalar_one()
    return f"{stem}{count + 1:03d}"


def beyond_use_date(formulation: MasterFormulation, compounded_on: date,
                    ingredient_expiries: list[date]) -> tuple[date, str]:
    """BUD = min(compounded date + the formulation's days, earliest ingredient expiry); the
    days are its stability-study days when it has them, else its USP <795> category's."""
    if formulation.stability_bud_days:
        days, basis = formulation.stability_bud_days, "stability_study"
    else:
        days = formulary_rules.BUD_CATEGORIES[formulation.bud_category].days
        basis = f"usp795_default:{formulation.bud_category}"
    default = compounded_on + timedelta(days=days)
    earliest = min(ingredient_expiries, default=default)
    if earliest < default:
        return earliest, "ingredient_expiry"
    return default, basis


def _compounded_moment(compounded_at: datetime | None) -> datetime:
    if compounded_at is None:
        return clock.utcnow()
    if compounded_at.tzinfo is None:
        raise field_error("compounded_at", "Give a time zone offset.")
    if clock.in_future(compounded_at):
        raise field_error("compounded_at", "The compounding time is in the future.")
    return compounded_at


def usable_formulation(product: Product) -> MasterFormulation:
    """The approved version a batch of ``product`` is made from; none → 409
    ``formulation_not_approved``."""
    formulation = compounding_formulation(product)
    if formulation is None:
        newest = product.formulation
        raise Conflict("formulation_not_approved",
                       f"Master formulation v{newest.version if newest else '?'} of "
                       f"{product.code} is not approved by a pharmacist: nothing is "
                       "compounded from it until one approves it.")
    return formulation


def _scale(record: CompoundingRecord) -> Decimal:
    return Decimal(record.quantity) / Decimal(record.formulation.batch_quantity)


def record_batch(actor: Actor, *, product_id: int, quantity: Decimal,
                 ingredients: list[dict[str, Any]], compounded_at: datetime | None = None,
                 qc_results: dict[str, Any] | None = None,
                 deviations: str | None = None) -> CompoundingRecord:
    """Record a compounded batch from the product's approved formulation (QC results given
    now count at verification), drawing its controlled ingredients from their received
    inventory lots; it waits for a second pharmacist's verification."""
    # the lock serialises lot numbering for this product
    product = locks.lock(sa.select(Product).where(Product.id == product_id), Product)
    if product is None or product.kind != "compounded" or product.formulation is None:
        raise field_error("product_id", "No such compounded product with a formulation.")
    formulation = usable_formulation(product)
    moment = _compounded_moment(compounded_at)
    results = qc.read(formulation.qc_checks, qc_results or {})
    problems = _ingredient_problems(formulation, quantity, ingredients, clock.local_date(moment))
    if problems:
        raise ValidationFailed({"ingredients": problems})
    drawn = stock.controlled_stock(formulation, ingredients)
    bud, basis = beyond_use_date(formulation, clock.local_date(moment),
                                 [i["expiration_date"] for i in ingredients])
    by_name = {f.component.lower(): f for f in formulation.ingredients}
    record = CompoundingRecord(
        product_id=product.id, formulation_id=formulation.id,
        formulation_version=formulation.version,
        lot_number=_next_lot_number(formulation.lot_prefix, clock.local_date(moment)),
        quantity=quantity, remaining_quantity=quantity, compounded_at=moment,
        compounded_by_user_id=actor.id, status="pending_verification", beyond_use_date=bud,
        bud_basis=basis, qc_results=results, deviations=deviations,
        hazardous=product.hazardous or formulation.hazardous,
        ingredient_lots=[IngredientLot(
            position=n, component=i["component"].strip(), vendor=i.get("vendor"),
            lot_number=i["lot_number"],
            ndc=normalize_ndc(str(i["ndc"])) if i.get("ndc") else None,
            expiration_date=i["expiration_date"],
            quantity=Decimal(i["quantity"]), unit=i["unit"],
            role=by_name[i["component"].strip().lower()].role,
            hazardous=by_name[i["component"].strip().lower()].hazardous)
            for n, i in enumerate(ingredients)])
    db.session.add(record)
    db.session.flush()
    stock.draw_ingredients(actor, record, drawn)
    audit.record(actor, "compounding_record.created", "compounding_record", record.id,
                 {"product_id": product.id, "lot_number": record.lot_number,
                  "formulation_version": formulation.version})
    return record


def get_batch(record_id: int) -> CompoundingRecord:
    """The compounding record, or NotFound."""
    record = db.session.get(CompoundingRecord, record_id)
    if record is None:
        raise NotFound("No such compounding record.")
    return record


def lock_batch(record_id: int) -> CompoundingRecord:
    """Load a compounding record FOR UPDATE (row lock until commit), or NotFound."""
    record = locks.lock(sa.select(CompoundingRecord).where(CompoundingRecord.id == record_id),
                        CompoundingRecord)
    if record is None:
        raise NotFound("No such compounding record.")
    return record


def _pending_for_pharmacist(actor: Actor, record_id: int) -> CompoundingRecord:
    if actor.role != PHARMACIST:
        raise Forbidden("Only a pharmacist verifies compounding.")
    record = lock_batch(record_id)
    if record.status != "pending_verification":
        raise Conflict("invalid_transition", f"The batch is already {record.status}.")
    return record


def _judge_qc(actor: Actor, record: CompoundingRecord, qc_results: dict[str, Any],
              *, keep: bool = True) -> None:
    """Keep the results given now beside those recorded with the batch; a missing result →
    422 naming each; a numeric result out of its range → 409 ``qc_out_of_spec`` (the
    results are kept: they are why the batch may then be rejected). ``keep=False`` keeps
    results in range unrecorded (a verification not yet confirmed)."""
    checks = record.formulation.qc_checks
    given = qc.read(checks, qc_results)
    results = {**record.qc_results, **given}
    missing = qc.missing(checks, results)
    if missing:
        raise ValidationFailed({"qc_results": {name: ["A result is needed for this check."]
                                               for name in missing}},
                               f"QC results missing: {', '.join(missing)}.")
    failed = qc.out_of_spec(checks, results, _scale(record))
    if given and (keep or failed):
        record.qc_results = results
        db.session.flush()
        audit.record(actor, "compounding_record.qc_recorded", "compounding_record", record.id,
                     {"qc_results": given})
    if failed:
        named = "; ".join(f"{f['name']} {f['result']} (spec {f['spec']})" for f in failed)
        raise keeping_facts(Conflict(
            "qc_out_of_spec", f"Out of specification: {named}. The batch may be rejected.",
            checks=failed))


def _own_batch(actor: Actor, record: CompoundingRecord) -> bool:
    """Whether ``actor`` compounded the batch while the verifier must be someone else
    (``LIENRX_VERIFIER_MUST_DIFFER``, on unless configured off)."""
    must_differ = current_app.config.get("LIENRX_VERIFIER_MUST_DIFFER", True)
    return bool(must_differ) and record.compounded_by_user_id == actor.id


def may_verify(actor: Actor, record: CompoundingRecord) -> bool:
    """Whether ``actor`` may verify the batch now (pages offer Verify only then)."""
    return (actor.role == PHARMACIST and record.status == "pending_verification"
            and not _own_batch(actor, record))


def preview_verification(actor: Actor, record_id: int,
                         qc_results: dict[str, Any] | None = None) -> CompoundingRecord:
    """Refuse as :func:`verify_batch` would; else the batch, unchanged (results out of range
    are kept with the refusal, as verifying keeps them)."""
    record = _pending_for_pharmacist(actor, record_id)
    if _own_batch(actor, record):
        raise Conflict("invalid_transition", "The verifier must not be the compounder.")
    _judge_qc(actor, record, qc_results or {}, keep=False)
    return record


def verify_batch(actor: Actor, record_id: int,
                 qc_results: dict[str, Any] | None = None) -> CompoundingRecord:
    """A pharmacist (by default not the compounder) verifies a batch for dispensing once
    every QC check has a result within its range."""
    record = _pending_for_pharmacist(actor, record_id)
    if _own_batch(actor, record):
        raise Conflict("invalid_transition", "The verifier must not be the compounder.")
    _judge_qc(actor, record, qc_results or {})
    record.status, record.verified_by_user_id = "verified", actor.id
    record.verified_at = clock.utcnow()
    db.session.flush()
    audit.record(actor, "compounding_record.verified", "compounding_record", record.id)
    return record


def reject_batch(actor: Actor, record_id: int, reason: str) -> CompoundingRecord:
    """A pharmacist rejects a batch (who, when and why are kept); nothing is ever dispensed
    from it."""
    record = _pending_for_pharmacist(actor, record_id)
    record.status, record.rejection_reason = "rejected", reason
    record.rejected_by_user_id, record.rejected_at = actor.id, clock.utcnow()
    db.session.flush()
    audit.record(actor, "compounding_record.rejected", "compounding_record", record.id)
    return record


def check_dispensable(batch: CompoundingRecord, on_date: date) -> None:
    """Refuse a batch that is not verified (409), was compounded or verified after
    ``on_date`` (409 ``compounding_not_verified``: a fill is judged on its fill date), or
    whose BUD has come by ``on_date`` (409)."""
    if batch.status != "verified":
        raise Conflict("compounding_not_verified",
                       f"Batch {batch.lot_number} is {batch.status}, not verified.")
    compounded_on = clock.local_date(batch.compounded_at)
    verified_on = clock.local_date(batch.verified_at) if batch.verified_at else None
    if compounded_on > on_date or verified_on is None or verified_on > on_date:
        raise Conflict("compounding_not_verified",
                       f"Batch {batch.lot_number} was compounded on {compounded_on} and "
                       f"verified on {verified_on}, not by the fill date {on_date}.")
    if on_date >= batch.beyond_use_date:
        raise Conflict("beyond_use_date_passed",
                       f"Batch {batch.lot_number} reached its beyond-use date "
                       f"{batch.beyond_use_date}.")


def draw_from_batch(batch: CompoundingRecord, quantity: Decimal,
                    on_date: date | None = None) -> None:
    """Take ``quantity`` from a locked, dispensable batch; never more than remains (422)."""
    check_dispensable(batch, on_date or clock.today())
    if quantity > Decimal(batch.remaining_quantity):
        raise field_error("quantity", f"Only {plain_number(Decimal(batch.remaining_quantity))} "
                                      f"{batch.product.unit} remain in lot {batch.lot_number}.")
    batch.remaining_quantity = Decimal(batch.remaining_quantity) - quantity
    db.session.flush()


def return_to_batch(batch: CompoundingRecord, quantity: Decimal) -> None:
    """Put back what a reversed dispense took (never above the batch size)."""
    batch.remaining_quantity = min(Decimal(batch.quantity),
                                   Decimal(batch.remaining_quantity) + quantity)
    db.session.flush()


def label_info(batch: CompoundingRecord) -> dict[str, Any]:
    """What a dispensing label needs from the batch (USP <795> §12, <800> handling)."""
    formulation = batch.formulation
    warnings = list(formulation.auxiliary_labels or [])
    if batch.hazardous:
        warnings.insert(0, HAZARD_WARNING)
    return {"lot_number": batch.lot_number, "beyond_use_date": batch.beyond_use_date,
            "storage": formulation.storage, "compounded": "This is a compounded preparation.",
            "hazardous": batch.hazardous, "auxiliary_labels": warnings}
