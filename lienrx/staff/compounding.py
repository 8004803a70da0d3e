"""Compounding: a batch form pre-filled from the master formulation, its BUD shown before
saving, and the verification screen for a second pharmacist."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from lienrx.auth import queries as auth_queries
from lienrx.compounding import queries as batch_queries
from lienrx.compounding import services as compounding
from lienrx.compounding.schemas import CompoundingRecordCreateSchema, RejectSchema
from lienrx.core import clock, forms
from lienrx.core.errors import NotFound
from lienrx.core.schemas import plain_number
from lienrx.core.security import PHARMACIST, TECHNICIAN, require_roles
from lienrx.formulary import queries as formulary_queries
from lienrx.formulary import rules as formulary_rules
from lienrx.formulary import services as formulary
from lienrx.staff.blueprint import bp

PHARMACY = (PHARMACIST, TECHNICIAN)
LOT_PARTS = ("component", "vendor", "lot_number", "expiration_date", "quantity", "unit")


def _compounded(product_id: Any) -> Any:
    product = formulary.get_product(int(product_id)) if str(product_id).isdigit() else None
    if product is None or product.kind != "compounded" or product.formulation is None:
        raise NotFound("No such compounded product.")
    return product


def targets(formulation: Any, quantity: str) -> list[Decimal | None]:
    """Each ingredient's amount for a batch of ``quantity`` (None if it is not a number)."""
    try:
        scale = Decimal(quantity) / Decimal(formulation.batch_quantity)
    except (InvalidOperation, ArithmeticError):
        return [None] * len(formulation.ingredients)
    return [(Decimal(i.quantity) * scale).quantize(Decimal("0.001")).normalize()
            for i in formulation.ingredients]


def _batch_data(formulation: Any) -> dict[str, Any]:
    lots = [{part: value for part in LOT_PARTS
             if (value := (request.form.get(f"ingredients.{n}.{part}") or "").strip())}
            for n in range(len(formulation.ingredients))]
    qc = {check.get("check", f"check {n + 1}"): value
          for n, check in enumerate(formulation.qc_checks or [])
          if (value := (request.form.get(f"qc-{n}") or "").strip())}
    return {**forms.read(("quantity", "deviations"), ints=("product_id",)),
            "ingredients": lots, "qc_results": qc}


def _batch_page(product: Any, form: forms.Submission, bud: Any = None) -> Any:
    formulation = product.formulation
    quantity = str(form.value("quantity", formulation.batch_quantity))
    category = formulary_rules.BUD_CATEGORIES[formulation.bud_category]
    return render_template(
        "staff/batch_new.html", product=product, formulation=formulation, form=form,
        targets=targets(formulation, quantity), category=category, bud=bud,
        default_bud=compounding.beyond_use_date(formulation, clock.today(), [])[0],
        units=[(u, u) for u in formulary_rules.INGREDIENT_UNITS]), form.status


@bp.route("/batches")
@require_roles(*PHARMACY)
def batches() -> Any:
    """List batches waiting for verification and the products one can compound."""
    return render_template("staff/batches.html", pending=batch_queries.pending_batches(),
                           recent=batch_queries.recent_batches(),
                           products=formulary_queries.compounded_products())


@bp.route("/batches/new", methods=["GET"])
@require_roles(*PHARMACY)
def new_batch() -> Any:
    """Show the batch form pre-filled from the product's master formulation."""
    product = _compounded(request.args.get("product_id", ""))
    quantity = request.args.get("quantity") or plain_number(
        product.formulation.batch_quantity)
    raw: dict[str, Any] = {"product_id": product.id, "quantity": quantity}
    for n, (ingredient, amount) in enumerate(zip(product.formulation.ingredients,
                                                 targets(product.formulation, quantity),
                                                 strict=True)):
        raw[f"ingredients.{n}.quantity"] = "" if amount is None else format(amount, "f")
        raw[f"ingredients.{n}.unit"] = ingredient.unit
    return _batch_page(product, forms.blank(**raw))


@bp.route("/batches/new", methods=["POST"])
@require_roles(*PHARMACY)
def create_batch() -> Any:
    """Check the batch (BUD shown) or record it for a second pharmacist's verification."""
    product = _compounded(request.form.get("product_id", ""))
    form = forms.Submission.load(CompoundingRecordCreateSchema(), _batch_data(product.formulation))
    if request.form.get("action") == "check" or not form.ok:
        bud = None
        if form.ok and form.values is not None:
            bud = compounding.beyond_use_date(product.formulation, clock.today(),
                                              [i["expiration_date"] for i in
                                               form.values["ingredients"]])
        return _batch_page(product, form, bud)
    record = form.call(compounding.record_batch, current_user)
    if record is None:
        return _batch_page(product, form)
    flash(f"Batch {record.lot_number} recorded; beyond-use date {record.beyond_use_date}. "
          "A second pharmacist must verify it.", "info")
    return redirect(url_for("staff.batch", record_id=record.id))


def batch_page(record_id: int, form: forms.Submission | None = None) -> Any:
    """Render one batch: lots, QC, BUD and the verification actions."""
    record = compounding.get_batch(record_id)
    names = auth_queries.user_names({record.compounded_by_user_id, record.verified_by_user_id})
    form = form or forms.blank()
    return render_template("staff/batch.html", b=record, names=names, form=form), form.status


@bp.route("/batches/<int:record_id>")
@require_roles(*PHARMACY)
def batch(record_id: int) -> Any:
    """Show a batch for review and verification."""
    return batch_page(record_id)


@bp.route("/batches/<int:record_id>/verify", methods=["POST"])
@require_roles(PHARMACIST)
def verify_batch(record_id: int) -> Any:
    """Verify a batch; the verifier must not be its compounder."""
    form = forms.Submission({})
    if form.attempt(compounding.verify_batch, current_user, record_id) is None:
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
    flash("Batch rejected.", "info")
    return redirect(url_for("staff.batch", record_id=record_id))
