"""The dispense screen: batch or NDC/lot, DUR resolutions, refill override, the charge at
$0 to the patient, the printable label, the lien balance, and reversal."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from lienrx.cases.rules import US_STATES
from lienrx.compounding import queries as batch_queries
from lienrx.core import clock, forms
from lienrx.core.errors import Conflict, ValidationFailed
from lienrx.core.idempotency import claim_submission, submission_used
from lienrx.core.numbers import money, num
from lienrx.core.schemas import plain_number
from lienrx.core.security import BILLING, PHARMACIST, TECHNICIAN, require_roles
from lienrx.dispensing import queries, services, supplies
from lienrx.dispensing.schemas import DELIVERY_METHODS, DispenseCreateSchema, ReverseSchema
from lienrx.dur import codes as dur_codes
from lienrx.dur import services as dur
from lienrx.formulary import services as formulary
from lienrx.ledger.queries import case_balance
from lienrx.prescribing import edits as rx_edits
from lienrx.prescribing import fills
from lienrx.prescribing import services as prescribing
from lienrx.prescribing.schemas import CloseFillSchema
from lienrx.staff import confirm, effects, scanning
from lienrx.staff.blueprint import bp

OVERRIDE = "override_refill_too_soon.reason"
BUD_OVERRIDE = "bud_override.reason"
CONFIRM = "confirm_charge"  # its value is the charge confirmed, in cents
MEDGUIDE = "medguide_provided"
COMBINE = "combine_refills"

# What the pharmacist can do about each refusal, shown under it on the dispense form; the
# ``#f-…`` links go to the field that answers it.
REFUSAL_HINTS = {
    "quantity_exceeds_fill": "Dispense at most what remains of this fill, close the fill short "
                             "(below), or, for a product that is not controlled, tick "
                             "“Combine refills”.",
    "refill_too_soon": "To fill anyway, give the reason for the early refill below "
                       "(“Refill-too-soon override reason”).",
    "days_supply_exceeds_bud": "Shorten the days supply, or give the reason below "
                               "(“Beyond-use-date override reason”).",
    "prescription_expired": "This prescription can no longer be filled: the prescriber must "
                            "write a new one.",
    "refills_exhausted": "Not that much remains on this prescription: dispense what remains, "
                         "or the prescriber must write a new one.",
    "lien_not_active": "Billing must record a lien agreement signed on or before the fill "
                       "date before anything is charged to this case.",
    "compounding_not_verified": "Choose a verified batch, or have a pharmacist other than the "
                                "compounder verify this one first.",
    "ndc_required": "The formulary lists no package NDC for this product: one must be added "
                    "before it can be dispensed.",
    "dur_unresolved": "Record a resolution for each high-severity alert below "
                      "(“Resolve DUR alerts”), then dispense again.",
    "price_missing": "Billing must enter a price in effect on the fill date.",
    "days_supply_inconsistent": "This fill would run faster than prescribed: lengthen the "
                                "days supply to match the prescribed daily amount, or "
                                "dispense less.",
}
HINT_FIELDS = {"refill_too_soon": OVERRIDE, "days_supply_exceeds_bud": BUD_OVERRIDE,
               "quantity_exceeds_fill": COMBINE, "days_supply_inconsistent": "days_supply"}
# The coded resolution's choices on the dispense form (a "not filled" result goes with no
# dispense, so it is not offered here), and the reason each alert kind stands for.
DUR_CHOICES = {
    "reasons": dur_codes.choices(dur_codes.REASONS),
    "services": dur_codes.choices(dur_codes.PROFESSIONAL_SERVICES),
    "results": [c for c in dur_codes.choices(dur_codes.RESULTS)
                if c[0] not in dur_codes.NOT_FILLED],
    "kind_reasons": {kind: f"{dur_codes.REASONS[code]} ({code})"
                     for kind, code in dur_codes.KIND_REASONS.items()},
}
RESOLUTION = "dur_resolutions.{}."  # the inputs of the page's n-th open alert


def _charge_preview(prescription: Any, quantity: Any,
                    combine: bool) -> tuple[int | None, str | None]:
    """What the lien would be charged today for ``quantity`` (cents), or why it cannot be."""
    try:
        amount = Decimal(str(quantity or prescription.quantity))
        return services.quote(prescription, amount, clock.today(), combine=combine)[1], None
    except (InvalidOperation, ArithmeticError):
        return None, None
    except Conflict as exc:
        return None, exc.detail


def fill_in_progress(rx: Any) -> str:
    """The fill the next dispense goes out as, in words: "refill 1 of 3, partial 2 — 10 g of
    30 g remain in this fill"."""
    current = fills.current_fill(rx)
    if current is None:
        return "Every fill has gone out."
    unit = rx.product.unit
    return (f"{fills.describe(rx, current.refill_number)}, partial {current.next_partial} — "
            f"{num(current.remaining)} {unit} of {num(current.size)} {unit} "
            "remain in this fill")


def fill_position(rx: Any, dispense: Any) -> str:
    """Which fill a dispense went out as: "refill 1 of 3, partial 2" (combined: each fill)."""
    parts = [fills.Part.from_json(item) for item in dispense.fill_parts or ()]
    if len(parts) > 1:
        return "refills combined: " + "; ".join(
            f"{fills.describe(rx, p.refill_number)} ({num(p.quantity)} "
            f"{rx.product.unit})" for p in parts)
    return f"{fills.describe(rx, dispense.refill_number)}, partial {dispense.partial_sequence}"


def _next_due(rx: Any) -> str:
    """When a new fill is due, or why the next dispense needs no wait."""
    current = fills.current_fill(rx)
    if current is not None and current.begun:
        return "now: the rest of the fill in progress is not held to refill timing"
    found = supplies.next_fill_due_of(rx, clock.today())
    if found is None or found[0] <= clock.today():
        return "now"
    due, supply = found
    return (f"{due.isoformat()} (the patient's {supply.product} of "
            f"{supply.dispensed_on.isoformat()}, {supply.days_supply} days)")


def prescription_page(prescription_id: int, form: forms.Submission | None,
                      close_form: forms.Submission | None = None,
                      scan_note: str | None = None) -> Any:
    """Render a prescription with its alerts, fills and the dispense form (and, after a
    scan was read into it, what was read)."""
    rx = prescribing.read_prescription(current_user, prescription_id)
    alerts, dispenses = dur.alerts_for(rx.id), queries.prescription_dispenses(rx.id)
    current = fills.current_fill(rx)
    form = form or forms.blank(
        quantity=plain_number(current.remaining if current else rx.quantity),
        days_supply=rx.days_supply, ndc=rx.product.ndc or "",
        dispensed_on=clock.today().isoformat())
    charge, price_problem = _charge_preview(rx, form.value("quantity"),
                                            form.value(COMBINE) in ("on", "y", True))
    confirm_above = current_app.config["LIENRX_CONFIRM_CHARGE_ABOVE"]
    page = render_template(
        "staff/prescription.html", rx=rx, status=prescribing.effective_status(rx),
        alerts=alerts, fills=dispenses, form=form, charge=charge, price_problem=price_problem,
        confirm_above=confirm_above,
        needs_confirmation=charge is not None and charge > confirm_above,
        next_due=_next_due(rx), fill_in_progress=fill_in_progress(rx),
        fill_begun=current is not None and current.begun,
        closed_fills=[f for f in rx.fills if f.closed_short],
        position=lambda d: fill_position(rx, d), describe=lambda n: fills.describe(rx, n),
        refusal_hints=REFUSAL_HINTS, hint_fields=HINT_FIELDS, dur_choices=DUR_CHOICES,
        close_form=close_form or forms.blank(CloseFillSchema()),
        batches=[(b.id, f"{b.lot_number} · BUD {b.beyond_use_date} · "
                         f"{num(b.remaining_quantity)} "
                         f"{rx.product.unit} left")
                 for b in batch_queries.dispensable_batches(rx.product_id, clock.today())],
        deliveries=[(m, m) for m in DELIVERY_METHODS], today=clock.today(),
        states=[(s, s) for s in sorted(US_STATES)],
        home_state=current_app.config["LIENRX_PHARMACY_STATE"],
        late_entry_days=current_app.config["LIENRX_LATE_ENTRY_DAYS"], scan_note=scan_note,
        annotations=rx_edits.annotations_for(rx.id))
    return page, (close_form or form).status


def _dispense_data(prescription_id: int) -> dict[str, Any]:
    data = {**forms.read(("quantity", "ndc", "lot_number", "lot_expiration_date",
                          "delivery_method", "delivery_state", "dispensed_on",
                          "late_entry_reason"),
                         ints=("days_supply", "compounding_record_id"),
                         checks=(MEDGUIDE, COMBINE)),
            "prescription_id": prescription_id}
    data["dur_resolutions"] = _dur_resolutions()[0]
    reason = (request.form.get(OVERRIDE) or "").strip()
    if reason:
        data["override_refill_too_soon"] = {"reason": reason}
    bud_reason = (request.form.get(BUD_OVERRIDE) or "").strip()
    if bud_reason:
        data["bud_override"] = {"reason": bud_reason}
    return data


def _dur_resolutions() -> tuple[list[dict[str, Any]], list[int]]:
    """The coded resolutions typed on the form (an alert's row left blank resolves nothing)
    and the row on the page each one came from."""
    rows: list[dict[str, Any]] = []
    positions: list[int] = []
    row = 0
    while RESOLUTION.format(row) + "alert_id" in request.form:
        prefix = RESOLUTION.format(row)
        typed = forms.read(("reason", "professional_service", "result", "note"), prefix=prefix)
        contacted = forms.read(("name", "at"), prefix=prefix + "contacted.")
        if "at" in contacted:
            contacted["at"] = forms.local_moment(contacted["at"])
        if contacted:
            typed["contacted"] = contacted
        if typed:
            rows.append({**typed, "alert_id": forms.as_int(request.form[prefix + "alert_id"])})
            positions.append(row)
        row += 1
    return rows, positions


def _errors_by_row(form: forms.Submission) -> None:
    """Errors on the n-th resolution sent belong to its row on the page."""
    positions = _dur_resolutions()[1]

    def on_page(name: str) -> str:
        parts = name.split(".", 2)
        if parts[0] == "dur_resolutions" and len(parts) == 3 and parts[1].isdigit() \
                and int(parts[1]) < len(positions):
            parts[1] = str(positions[int(parts[1])])
        return ".".join(parts)

    form.errors = {on_page(name): messages for name, messages in form.errors.items()}


def _charge_confirmed(form: forms.Submission, prescription_id: int) -> bool:
    """A charge above LIENRX_CONFIRM_CHARGE_ABOVE needs "I confirm this charge of $X" ticked
    for that very amount; a fill the rules refuse anyway is left to them (no confirmation)."""
    values = form.values or {}
    rx = prescribing.get_prescription(prescription_id)
    try:
        charge = services.quote(rx, values["quantity"], values.get("dispensed_on") or clock.today(),
                                combine=bool(values.get(COMBINE)))[1]
    except Conflict:
        return True
    if charge <= current_app.config["LIENRX_CONFIRM_CHARGE_ABOVE"]:
        return True
    form.attempt(services.check_plausible, rx.product, values["quantity"],
                 values["days_supply"])
    if form.errors:
        return False
    if request.form.get(CONFIRM) != str(charge):
        form.refuse(CONFIRM, f"Confirm the charge of {money(charge)} to the lien.")
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
    """Dispense at $0 and charge the lien, or show why the rules refuse it; a scan sent
    with the form is read into it instead, for the pharmacist to check."""
    if scanning.wanted():
        return _read_scan(prescription_id)
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
            flash(f"Fill {record.fill_number} dispensed "
                  f"({fill_position(record.prescription, record)}); the patient pays $0.00.",
                  "info")
            return redirect(url_for("staff.dispense", dispense_id=record.id))
    _errors_by_row(form)
    return prescription_page(prescription_id, form)


def _read_scan(prescription_id: int) -> Any:
    """Fill the NDC, lot and expiry from the scan: an NDC of another product than the one
    prescribed, or a lot expired by the fill date, is refused next to the Scan field."""
    rx = prescribing.get_prescription(prescription_id)
    reading = scanning.read(DispenseCreateSchema(), formulary.dispensable_ndcs(rx.product_id),
                            f"the prescribed {rx.product.name}", "lot_expiration_date")
    if reading.scan is not None:
        try:
            fill_date = date.fromisoformat(reading.form.value("dispensed_on"))
        except ValueError:
            fill_date = clock.today()
        try:
            services.check_lot_in_date(reading.scan.lot, reading.scan.expiry, fill_date)
        except ValidationFailed as exc:
            reading = scanning.refuse(reading, exc.errors["lot_expiration_date"][0])
    return prescription_page(prescription_id, reading.form, scan_note=reading.note)


def _already_dispensed(prescription_id: int) -> Any:
    flash("That fill was already submitted; nothing was dispensed twice.", "info")
    return redirect(url_for("staff.prescription", prescription_id=prescription_id))


def dispense_page(dispense_id: int, form: forms.Submission | None = None) -> Any:
    """Render a fill: charge, $0 to the patient, the label and the case's lien balance."""
    record = services.read_dispense(current_user, dispense_id)
    balance = case_balance(record.case_id)
    form = form or forms.blank()
    return render_template("staff/dispense.html", d=record, label=record.label,
                           balance=balance, form=form,
                           position=fill_position(record.prescription, record)), form.status


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
    """Reverse a fill with a reason (a controlled fill drawn from the inventory also says
    whether its stock returns to stock or is destroyed): the charge comes off the lien."""
    form = forms.Submission.load(ReverseSchema(), forms.read(("reason", "disposition")))
    if not confirm.confirmed():
        preview = form.call(services.preview_reversal, current_user, dispense_id)
        if preview is None:
            return dispense_page(dispense_id, form)
        title, said = effects.reversal(preview, (form.values or {})["reason"])
        return confirm.page(title=title, effects=said,
                            action=url_for("staff.reverse_dispense", dispense_id=dispense_id),
                            back=url_for("staff.dispense", dispense_id=dispense_id),
                            button="Reverse the fill")
    if form.call(services.reverse, current_user, dispense_id) is None:
        return dispense_page(dispense_id, form)
    flash("The fill is reversed; its charge is off the lien.", "info")
    return redirect(url_for("staff.dispense", dispense_id=dispense_id))


@bp.route("/prescriptions/<int:prescription_id>/close-fill", methods=["POST"])
@require_roles(PHARMACIST)
def close_fill(prescription_id: int) -> Any:
    """Close the fill in progress short, with a reason: the rest of it is forfeited."""
    form = forms.Submission.load(CloseFillSchema(), forms.read(("reason",)))
    if form.call(prescribing.close_fill, current_user, prescription_id) is None:
        return prescription_page(prescription_id, None, form)
    flash("The fill is closed short; the next dispense starts the next fill.", "info")
    return redirect(url_for("staff.prescription", prescription_id=prescription_id))
