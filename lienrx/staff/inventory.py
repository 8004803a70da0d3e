"""Controlled-substance inventory pages: stock on hand by lot, receiving against an invoice,
a lot's movement history with the waste, destruction, loss and adjustment form, and the
count sheet."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from lienrx.auth import queries as auth_queries
from lienrx.core import clock, forms
from lienrx.core.idempotency import claim_submission, submission_used
from lienrx.core.numbers import num
from lienrx.core.security import PHARMACIST, TECHNICIAN, require_roles
from lienrx.formulary import queries as formulary_queries
from lienrx.inventory import queries, rules, services
from lienrx.inventory.schemas import CountCreateSchema, MovementCreateSchema, ReceiptSchema
from lienrx.staff import scanning
from lienrx.staff.blueprint import bp

RECEIPT_FIELDS = ("component", "ndc", "lot_number", "expiration_date", "quantity", "unit",
                  "supplier", "supplier_dea_number", "invoice_number", "received_on")
MOVEMENT_FIELDS = ("kind", "quantity", "reason", "method", "discovered_on", "direction")
KIND_LABELS = {"waste": "Waste (one witness)",
               "destruction": "Destruction (DEA Form 41: method, two witnesses)",
               "loss": "Loss (DEA Form 106)", "theft": "Theft (DEA Form 106)",
               "adjustment": "Adjustment (a reason)"}


@bp.route("/inventory")
@require_roles(PHARMACIST, TECHNICIAN)
def inventory() -> Any:
    """Show stock on hand by lot with expiry, and stock set aside for destruction."""
    return render_template("staff/inventory.html", lots=queries.list_lots(page_size=None),
                           pending=queries.open_destructions(), today=clock.today())


def _receive_page(form: forms.Submission, scan_note: str | None = None) -> Any:
    products = [(p.id, f"{p.code} — {p.name}") for p in formulary_queries.active_products()
                if p.kind == "commercial"]
    return render_template(
        "staff/inventory_receive.html", form=form, products=products,
        components=[(c, c) for c in queries.mfr_components()],
        units=[(u, u) for u in rules.UNITS], scan_note=scan_note), form.status


@bp.route("/inventory/receive", methods=["GET"])
@require_roles(PHARMACIST)
def receive_form() -> Any:
    """Show the receiving form (supplier, DEA number, invoice, NDC, lot, expiry)."""
    return _receive_page(forms.blank(ReceiptSchema(), received_on=clock.today().isoformat()))


@bp.route("/inventory/receive", methods=["POST"])
@require_roles(PHARMACIST)
def receive() -> Any:
    """Receive stock against an invoice, or show what is wrong with the form; a scan sent
    with the form is read into it instead, to be checked."""
    if scanning.wanted():
        return _read_scan()
    if submission_used():
        return _already_done()
    form = forms.Submission.load(ReceiptSchema(),
                                 forms.read(RECEIPT_FIELDS, ints=("product_id",)))
    lot = form.call(services.receive, current_user)
    if lot is None or not claim_submission():
        return _receive_page(form) if lot is None else _already_done()
    flash(f"Received into lot {lot.lot_number}: {num(lot.on_hand)} {lot.unit} now on hand.",
          "info")
    return redirect(url_for("staff.inventory_lot", lot_id=lot.id))


def _read_scan() -> Any:
    """Fill the NDC, lot and expiry from the scan; its NDC must be one of the chosen
    component's or product's (choose one first)."""
    product_id = forms.as_int((request.form.get("product_id") or "").strip())
    drug = queries.receipt_drug((request.form.get("component") or "").strip() or None,
                                product_id if isinstance(product_id, int) else None)
    if drug is None:
        reading = scanning.not_read(ReceiptSchema(), "Choose the bulk component or the "
                                    "commercial product first: the scanned NDC must be one "
                                    "of its NDCs.")
    else:
        reading = scanning.read(ReceiptSchema(), drug[1], drug[0], "expiration_date")
    return _receive_page(reading.form, reading.note)


def _already_done() -> Any:
    flash("That form was already submitted; nothing was posted twice.", "info")
    return redirect(url_for("staff.inventory"))


def lot_page(lot_id: int, form: forms.Submission | None = None) -> Any:
    """Render a lot: its facts, its journal and the form to record a movement."""
    lot = services.get_lot(lot_id)
    journal = queries.movements(lot_id, page_size=None)
    form = form or forms.blank(MovementCreateSchema())
    return render_template(
        "staff/inventory_lot.html", lot=lot, journal=journal, form=form,
        names=auth_queries.user_names({m.user_id for m in journal}),
        pending=[(d.id, f"{num(d.quantity)} {lot.unit}: {d.reason}")
                 for d in queries.open_destructions() if d.lot_id == lot.id],
        held=queries.held(lot.id), kinds=list(KIND_LABELS.items())), form.status


@bp.route("/inventory/lots/<int:lot_id>")
@require_roles(PHARMACIST)
def inventory_lot(lot_id: int) -> Any:
    """Show a lot's movement history and the waste, destruction, loss and adjustment form."""
    return lot_page(lot_id)


@bp.route("/inventory/lots/<int:lot_id>/movements", methods=["POST"])
@require_roles(PHARMACIST)
def record_movement(lot_id: int) -> Any:
    """Record waste, a destruction, a loss or theft, or an adjustment of the lot."""
    if submission_used():
        return _already_done()
    witnesses = [w for n in range(2) if (w := (request.form.get(f"witnesses.{n}") or "").strip())]
    data = {**forms.read(MOVEMENT_FIELDS, ints=("destruction_id",)), "lot_id": lot_id,
            "witnesses": witnesses}
    form = forms.Submission.load(MovementCreateSchema(), data)
    movement = form.call(services.record_movement, current_user)
    if movement is None or not claim_submission():
        return lot_page(lot_id, form) if movement is None else _already_done()
    flash(f"Recorded: {movement.kind.replace('_', ' ')} of {num(abs(movement.quantity))} "
          f"{services.get_lot(lot_id).unit}.", "info")
    return redirect(url_for("staff.inventory_lot", lot_id=lot_id))


def _count_page(form: forms.Submission) -> Any:
    lots = queries.list_lots(controlled=True, page_size=None)
    return render_template("staff/inventory_count.html", form=form, lots=lots,
                           kinds=[(k, k.capitalize()) for k in rules.COUNT_KINDS],
                           hours=[(h, f"{h.capitalize()} of business")
                                  for h in rules.BUSINESS_HOURS]), form.status


@bp.route("/inventory/count", methods=["GET"])
@require_roles(PHARMACIST)
def count_sheet() -> Any:
    """Show the count sheet: every controlled lot with a box for what was counted."""
    return _count_page(forms.blank(CountCreateSchema(), kind="periodic",
                                   business_hours="opening"))


def _sheet_row(name: str, rows: list[int]) -> str:
    """``lines.1.estimated`` (the second line sent) → the input of the sheet row it came from."""
    parts = name.split(".")
    if len(parts) > 2 and parts[0] == "lines" and parts[1].isdigit() and int(parts[1]) < len(rows):
        parts[1] = str(rows[int(parts[1])])
    return ".".join(parts)


@bp.route("/inventory/count", methods=["POST"])
@require_roles(PHARMACIST)
def record_count() -> Any:
    """Record the count: each lot counted, its variance posted as an adjustment."""
    if submission_used():
        return _already_done()
    data = forms.read(("kind", "business_hours"))
    counted_at = (request.form.get("counted_at") or "").strip()
    data["counted_at"] = (forms.local_moment(counted_at) if counted_at
                          else clock.utcnow().isoformat())
    rows, lines = [], []  # the sheet's rows counted, and their lines (blank rows left out)
    for row in range(len(request.form.getlist("row"))):
        line = forms.read(("counted_quantity",), ints=("lot_id",), checks=("estimated",),
                          prefix=f"lines.{row}.")
        if "counted_quantity" in line:
            rows.append(row)
            lines.append(line)
    form = forms.Submission.load(CountCreateSchema(), {**data, "lines": lines})
    count = form.call(services.record_count, current_user)
    form.errors = {_sheet_row(name, rows): messages for name, messages in form.errors.items()}
    if count is None or not claim_submission():
        return _count_page(form) if count is None else _already_done()
    varied = sum(1 for line in count.lines if line.variance != 0)
    flash(f"Count {count.id} recorded: {len(count.lines)} lots, {varied} with a variance "
          "posted as an adjustment.", "info")
    return redirect(url_for("staff.inventory"))
