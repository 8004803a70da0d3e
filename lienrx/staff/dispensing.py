"""The dispense screen: batch or NDC/lot, DUR resolutions, refill override, the charge at
$0 to the patient, the printable label, the lien balance, and reversal."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from lienrx.compounding import queries as batch_queries
from lienrx.core import clock, forms
from lienrx.core.errors import Conflict
from lienrx.core.idempotency import claim_submission, submission_used
from lienrx.core.money import format_cents
from lienrx.core.schemas import plain_number
from lienrx.core.security import BILLING, PHARMACIST, TECHNICIAN, require_roles
from lienrx.dispensing import queries, services
from lienrx.dispensing.schemas import DELIVERY_METHODS, DispenseCreateSchema, ReverseSchema
from lienrx.dur import services as dur
from lienrx.ledger.queries import case_balance
from lienrx.prescribing import services as prescribing
from lienrx.staff.blueprint import bp

OVERRIDE = "override_refill_too_soon.reason"
BUD_OVERRIDE = "bud_override.reason"
CONFIRM = "confirm_charge"  # its value is the charge confirmed, in cents
MEDGUIDE = "medguide_provided"


def _charge_preview(prescription: Any, quantity: Any) -> tuple[int | None, str | None]:
    """What the lien would be charged today for ``quantity`` (cents), or why it cannot be."""
    try:
        amount = Decimal(str(quantity or prescription.quantity))
        return services.price(prescription, amount, clock.today())[3], None
    except (InvalidOperation, ArithmeticError):
        return None, None
    except Conflict as exc:
        return None, exc.detail


def prescription_page(prescription_id: int, form: forms.Submission | None) -> Any:
    """Render a prescription with its alerts, fills and the dispense form."""
    rx = prescribing.read_prescription(current_user, prescription_id)
    alerts, fills = dur.alerts_for(rx.id), queries.prescription_dispenses(rx.id)
    previous = services.last_fill(rx.id)
    form = form or forms.blank(quantity=plain_number(rx.quantity),
                               days_supply=rx.days_supply, ndc=rx.product.ndc or "",
                               dispensed_on=clock.today().isoformat())
    charge, price_problem = _charge_preview(rx, form.value("quantity"))
    confirm_above = current_app.config["LIENRX_CONFIRM_CHARGE_ABOVE"]
    page = render_template(
        "staff/prescription.html", rx=rx, status=prescribing.effective_status(rx),
        alerts=alerts, fills=fills, form=form, charge=charge, price_problem=price_problem,
        confirm_above=confirm_above,
        needs_confirmation=charge is not None and charge > confirm_above,
        next_due=services.refill_due_on(rx, previous) if previous else None,
        batches=[(b.id, f"{b.lot_number} · BUD {b.beyond_use_date} · "
                         f"{plain_number(b.remaining_quantity)} "
                         f"{rx.product.unit} left")
                 for b in batch_queries.dispensable_batches(rx.product_id, clock.today())],
        deliveries=[(m, m) for m in DELIVERY_METHODS], today=clock.today(),
        late_entry_days=current_app.config["LIENRX_LATE_ENTRY_DAYS"])
    return page, form.status


def _dispense_data(prescription_id: int) -> dict[str, Any]:
    data = {**forms.read(("quantity", "ndc", "lot_number", "delivery_method", "dispensed_on",
                          "late_entry_reason"),
                         ints=("days_supply", "compounding_record_id"),
                         checks=(MEDGUIDE,)),
            "prescription_id": prescription_id}
    data["dur_resolutions"] = [
        {"alert_id": forms.as_int(key.split("-", 1)[1]), "resolution": value.strip()}
        for key, value in request.form.items()
        if key.startswith("resolution-") and value.strip()]
    reason = (request.form.get(OVERRIDE) or "").strip()
    if reason:
        data["override_refill_too_soon"] = {"reason": reason}
    bud_reason = (request.form.get(BUD_OVERRIDE) or "").strip()
    if bud_reason:
        data["bud_override"] = {"reason": bud_reason}
    return data


def _charge_confirmed(form: forms.Submission, prescription_id: int) -> bool:
    """A charge above LIENRX_CONFIRM_CHARGE_ABOVE needs "I confirm this charge of $X" ticked
    for that very amount; a fill the rules refuse anyway is left to them (no confirmation)."""
    values = form.values or {}
    rx = prescribing.get_prescription(prescription_id)
    try:
        charge = services.price(rx, values["quantity"],
                                values.get("dispensed_on") or clock.today())[3]
    except Conflict:
        return True
    if charge <= current_app.config["LIENRX_CONFIRM_CHARGE_ABOVE"]:
        return True
    form.attempt(services.check_plausible, rx.product, values["quantity"],
                 values["days_supply"])
    if form.errors:
        return False
    if request.form.get(CONFIRM) != str(charge):
        form.refuse(CONFIRM, f"Confirm the charge of ${format_cents(charge)} to the lien.")
        return False
    return True


def _medguide_given(form: forms.Submission, prescription_id: int) -> bool:
    """A product flagged for an FDA Medication Guide goes out only with it, ticked here."""
    if (form.values or {}).get(MEDGUIDE) or not prescribing.get_prescription(
            prescription_id).product.medication_guide:
        return True
    form.refuse(MEDGUIDE, "Give the patient the Medication Guide and tick this box.")
    return False


@bp.route("/prescriptions/<int:prescription_id>/dispense", methods=["POST"])
@require_roles(PHARMACIST)
def create_dispense(prescription_id: int) -> Any:
    """Dispense at $0 and charge the lien, or show why the rules refuse it."""
    if submission_used():
        return _already_dispensed(prescription_id)
    form = forms.Submission.load(DispenseCreateSchema(), _dispense_data(prescription_id))
    if form.ok and _medguide_given(form, prescription_id) and _charge_confirmed(
            form, prescription_id):
        dispense_request = services.DispenseRequest.from_loaded(form.values or {})
        record = form.attempt(services.dispense, current_user, dispense_request)
        if record is not None:
            if not claim_submission():
                return _already_dispensed(prescription_id)
            flash(f"Fill {record.fill_number} dispensed; the patient pays $0.00.", "info")
            return redirect(url_for("staff.dispense", dispense_id=record.id))
    return prescription_page(prescription_id, form)


def _already_dispensed(prescription_id: int) -> Any:
    flash("That fill was already submitted; nothing was dispensed twice.", "info")
    return redirect(url_for("staff.prescription", prescription_id=prescription_id))


def dispense_page(dispense_id: int, form: forms.Submission | None = None) -> Any:
    """Render a fill: charge, $0 to the patient, the label and the case's lien balance."""
    record = services.read_dispense(current_user, dispense_id)
    balance = case_balance(record.case_id)
    form = form or forms.blank()
    return render_template("staff/dispense.html", d=record, label=record.label,
                           balance=balance, form=form), form.status


@bp.route("/dispenses/<int:dispense_id>")
@require_roles(PHARMACIST, TECHNICIAN, BILLING)
def dispense(dispense_id: int) -> Any:
    """Show a fill with its label and the lien balance after it."""
    return dispense_page(dispense_id)


@bp.route("/dispenses/<int:dispense_id>/label")
@require_roles(PHARMACIST, TECHNICIAN, BILLING)
def label(dispense_id: int) -> Any:
    """Show the fill's frozen label as a 4 × 2.5 in print page."""
    record = services.read_dispense(current_user, dispense_id)
    return render_template("staff/label.html", d=record, label=record.label)


@bp.route("/dispenses/<int:dispense_id>/reverse", methods=["POST"])
@require_roles(PHARMACIST)
def reverse_dispense(dispense_id: int) -> Any:
    """Reverse a fill with a reason: the charge comes off the lien."""
    form = forms.Submission.load(ReverseSchema(), forms.read(("reason",)))
    if form.call(services.reverse, current_user, dispense_id) is None:
        return dispense_page(dispense_id, form)
    flash("The fill is reversed; its charge is off the lien.", "info")
    return redirect(url_for("staff.dispense", dispense_id=dispense_id))
