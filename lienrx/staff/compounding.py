"""Compounding: master formulations a pharmacist approves, a batch form built from the
approved formulation (targets rescaled by Check, nothing typed cleared, weighed amounts
typed by the compounder), and the verification screen where a second pharmacist enters
each QC result beside its specification."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from lienrx.auth import queries as auth_queries
from lienrx.compounding import qc
from lienrx.compounding import queries as batch_queries
from lienrx.compounding import services as compounding
from lienrx.compounding.schemas import (
    BatchVerifySchema,
    CompoundingRecordCreateSchema,
    RejectSchema,
)
from lienrx.core import clock, forms
from lienrx.core.errors import NotFound
from lienrx.core.numbers import num
from lienrx.core.schemas import plain_number
from lienrx.core.security import PHARMACIST, TECHNICIAN, require_roles
from lienrx.formulary import queries as formulary_queries
from lienrx.formulary import rules as formulary_rules
from lienrx.formulary import services as formulary
from lienrx.staff import confirm, effects
from lienrx.staff.blueprint import bp

PHARMACY = (PHARMACIST, TECHNICIAN)
LOT_PARTS = ("component", "vendor", "lot_number", "ndc", "expiration_date", "quantity", "unit")


def check_label(name: str) -> str:
    """A QC check's name for people: ``final_weight`` → ``Final weight``, ``pH`` stays."""
    words = name.replace("_", " ")
    return words if words[1:2].isupper() else words[:1].upper() + words[1:]


def _compounded(product_id: Any) -> tuple[Any, Any]:
    """The compounded product and the approved formulation its batches are made from."""
    product = formulary.get_product(int(product_id)) if str(product_id).isdigit() else None
    if product is None or product.kind != "compounded" or product.formulation is None:
        raise NotFound("No such compounded product.")
    return product, compounding.usable_formulation(product)


def _scale(formulation: Any, quantity: Any) -> Decimal | None:
    try:
        amount = Decimal(str(quantity).strip())
    except InvalidOperation:
        return None
    if not amount.is_finite() or amount <= 0:
        return None
    return amount / Decimal(formulation.batch_quantity)


def targets(formulation: Any, quantity: Any) -> list[str | None]:
    """Each ingredient's amount for a batch of ``quantity``, as people read it (None if the
    quantity is not a positive number)."""
    scale = _scale(formulation, quantity)
    return [None if scale is None else num((Decimal(i.quantity) * scale).quantize(Decimal("0.001")))
            for i in formulation.ingredients]


def qc_rows(formulation: Any, quantity: Any, results: dict[str, Any] | None = None
            ) -> list[dict[str, Any]]:
    """Each QC check with its specification for this batch size and any result."""
    scale = _scale(formulation, quantity) or Decimal(1)
    results = results or {}
    failed = {f["name"] for f in qc.out_of_spec(formulation.qc_checks, results, scale)}
    return [{"name": c["name"], "label": check_label(c["name"]), "spec": qc.spec(c, scale),
             "result": results.get(c["name"]), "out_of_spec": c["name"] in failed}
            for c in formulation.qc_checks]


def _qc_typed(formulation: Any) -> dict[str, str]:
    return {c["name"]: value for c in formulation.qc_checks
            if (value := (request.form.get(f"qc_results.{c['name']}") or "").strip())}


def _batch_data(formulation: Any) -> dict[str, Any]:
    lots = [{part: value for part in LOT_PARTS
             if (value := (request.form.get(f"ingredients.{n}.{part}") or "").strip())}
            for n in range(len(formulation.ingredients))]
    return {**forms.read(("quantity", "deviations"), ints=("product_id",)),
            "ingredients": lots, "qc_results": _qc_typed(formulation)}


def _typed_expiries(formulation: Any) -> list[date] | None:
    """Every ingredient's typed expiry, or None while one is blank or not a date."""
    found = []
    for n in range(len(formulation.ingredients)):
        try:
            found.append(date.fromisoformat(request.form.get(f"ingredients.{n}.expiration_date",
                                                             "")))
        except ValueError:
            return None
    return found


def _batch_page(product: Any, formulation: Any, form: forms.Submission, bud: Any = None) -> Any:
    quantity = form.value("quantity", plain_number(formulation.batch_quantity))
    names = auth_queries.user_names({formulation.approved_by_user_id})
    return render_template(
        "staff/batch_new.html", product=product, formulation=formulation, form=form,
        targets=targets(formulation, quantity), qc_rows=qc_rows(formulation, quantity),
        category=formulary_rules.BUD_CATEGORIES[formulation.bud_category], bud=bud,
        default_bud=compounding.beyond_use_date(formulation, clock.today(), [])[0],
        approver=names.get(formulation.approved_by_user_id),
        units=formulary_rules.INGREDIENT_UNITS), form.status


def _batches_page(form: forms.Submission | None = None) -> Any:
    form = form or forms.blank()
    products = [(p, formulary.compounding_formulation(p))
                for p in formulary_queries.compounded_products()]
    return render_template(
        "staff/batches.html", pending=batch_queries.pending_batches(),
        recent=batch_queries.recent_batches(), products=[(p, f) for p, f in products if f],
        unreviewed=formulary.unreviewed_formulations(), form=form), form.status


@bp.route("/batches")
@require_roles(*PHARMACY)
def batches() -> Any:
    """Batches waiting for verification, the products one can compound and the master
    formulations waiting for a pharmacist's approval."""
    return _batches_page()


@bp.route("/formulations/<int:formulation_id>/approve", methods=["POST"])
@require_roles(PHARMACIST)
def approve_formulation(formulation_id: int) -> Any:
    """A pharmacist approves a master formulation version."""
    form = forms.Submission({})
    formulation = form.attempt(formulary.approve_formulation, current_user, formulation_id)
    if formulation is None:
        return _batches_page(form)
    flash(f"{formulation.product.code} master formulation v{formulation.version} approved: "
          "batches are made from it from now on.", "info")
    return redirect(url_for("staff.batches"))


@bp.route("/batches/new", methods=["GET"])
@require_roles(*PHARMACY)
def new_batch() -> Any:
    """The batch form from the product's approved formulation; weighed amounts start empty."""
    product, formulation = _compounded(request.args.get("product_id", ""))
    quantity = request.args.get("quantity") or plain_number(formulation.batch_quantity)
    raw: dict[str, Any] = {"product_id": product.id, "quantity": quantity}
    for n, ingredient in enumerate(formulation.ingredients):
        raw[f"ingredients.{n}.unit"] = ingredient.unit
    return _batch_page(product, formulation, forms.blank(CompoundingRecordCreateSchema(), **raw))


@bp.route("/batches/new", methods=["POST"])
@require_roles(*PHARMACY)
def create_batch() -> Any:
    """Check (targets rescaled to the quantity, the BUD from the typed lots, nothing typed
    cleared) or record the batch for a second pharmacist's verification."""
    product, formulation = _compounded(request.form.get("product_id", ""))
    if request.form.get("action") == "check":
        form = forms.Submission(request.form.to_dict(), schema=CompoundingRecordCreateSchema())
        if _scale(formulation, form.value("quantity")) is None:
            form.refuse("quantity", "A positive number.")
        expiries = _typed_expiries(formulation)
        bud = None if expiries is None else compounding.beyond_use_date(
            formulation, clock.today(), expiries)
        return _batch_page(product, formulation, form, bud)
    form = forms.Submission.load(CompoundingRecordCreateSchema(), _batch_data(formulation))
    record = form.call(compounding.record_batch, current_user)
    if record is None:
        return _batch_page(product, formulation, form)
    flash(f"Batch {record.lot_number} recorded; beyond-use date {record.beyond_use_date}. "
          "A second pharmacist must verify it.", "info")
    return redirect(url_for("staff.batch", record_id=record.id))


def batch_page(record_id: int, form: forms.Submission | None = None) -> Any:
    """Render one batch: lots, QC against spec, BUD and the verification actions."""
    record = compounding.get_batch(record_id)
    names = auth_queries.user_names({record.compounded_by_user_id, record.verified_by_user_id,
                                     record.rejected_by_user_id})
    form = form or forms.blank(BatchVerifySchema())
    return render_template(
        "staff/batch.html", b=record, names=names, form=form,
        qc_rows=qc_rows(record.formulation, record.quantity, record.qc_results),
        can_verify=compounding.may_verify(current_user, record)), form.status


@bp.route("/batches/<int:record_id>")
@require_roles(*PHARMACY)
def batch(record_id: int) -> Any:
    """Show a batch for review and verification."""
    return batch_page(record_id)


@bp.route("/batches/<int:record_id>/verify", methods=["POST"])
@require_roles(PHARMACIST)
def verify_batch(record_id: int) -> Any:
    """Verify a batch with its QC results; the verifier must not be its compounder."""
    formulation = compounding.get_batch(record_id).formulation
    form = forms.Submission.load(BatchVerifySchema(), {"qc_results": _qc_typed(formulation)})
    if not confirm.confirmed():
        record = form.call(compounding.preview_verification, current_user, record_id)
        if record is None:
            return batch_page(record_id, form)
        typed = {**record.qc_results, **_qc_typed(formulation)}
        results = [f"{row['label']} {row['result']} (spec {row['spec']})"
                   for row in qc_rows(formulation, record.quantity, typed)]
        title, said = effects.verification(record, results)
        return confirm.page(title=title, effects=said,
                            action=url_for("staff.verify_batch", record_id=record_id),
                            back=url_for("staff.batch", record_id=record_id),
                            button="Verify the batch")
    if form.call(compounding.verify_batch, current_user, record_id) is None:
        return batch_page(record_id, form)
    flash("Batch verified: it may be dispensed until its beyond-use date.", "info")
    return redirect(url_for("staff.batch", record_id=record_id))


@bp.route("/batches/<int:record_id>/reject", methods=["POST"])
@require_roles(PHARMACIST)
def reject_batch(record_id: int) -> Any:
    """Reject a batch with a reason; nothing is dispensed from it."""
    form = forms.Submission.load(RejectSchema(), forms.read(("reason",)))
    if form.call(compounding.reject_batch, current_user, record_id) is None:
        return batch_page(record_id, form)
    flash("Batch rejected: nothing will be dispensed from it.", "info")
    return redirect(url_for("staff.batch", record_id=record_id))
