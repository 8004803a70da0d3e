"""Prescription entry (DUR runs at entry) and one prescription's page with its fills."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from lienrx.cases import services as cases
from lienrx.core import clock, forms
from lienrx.core.security import BILLING, PHARMACIST, TECHNICIAN, require_roles
from lienrx.dur import use_cases
from lienrx.formulary import queries as formulary_queries
from lienrx.parties import queries as party_queries
from lienrx.prescribing import rules as rx_rules
from lienrx.prescribing.schemas import PrescriptionCreateSchema
from lienrx.staff import dispensing as dispense_pages
from lienrx.staff.blueprint import bp

RX_FIELDS = ("sig", "indication", "quantity", "written_on", "source")
RX_INTS = ("prescriber_id", "product_id", "days_supply", "refills_authorized")
DOSE_FIELDS = ("amount", "unit", "times_per_day")


def schedule_notes() -> list[tuple[str, str]]:
    """What each schedule allows, in words, from the rule table."""
    notes = []
    for schedule, rule in rx_rules.SCHEDULE_RULES.items():
        name = "Not controlled" if schedule == rx_rules.NON_CONTROLLED else f"Schedule {schedule}"
        refills = ("refills as written" if rule.max_refills is None
                   else f"at most {rule.max_refills} refills")
        validity = rule.validity
        span = f"{validity.months} months" if validity.months else f"{validity.days} days"
        dea = "; the prescriber needs a DEA number" if rule.requires_dea else ""
        notes.append((name, f"{refills}; fills until {span} after the written date{dea}; "
                            f"next fill after {int(rule.refill_too_soon * 100)} % of the days "
                            "supply."))
    return notes


def _product_label(product: Any) -> str:
    schedule = f", C-{product.dea_schedule}" if product.dea_schedule else ""
    return f"{product.code} — {product.name} ({product.kind}{schedule}, per {product.unit})"


def _entry_page(case_id: int, form: forms.Submission) -> Any:
    case = cases.read_case(current_user, case_id)
    return render_template(
        "staff/prescription_new.html", case=case, form=form, notes=schedule_notes(),
        products=[(p.id, _product_label(p)) for p in formulary_queries.active_products()],
        prescribers=[(d.id, f"{d.display_name} · NPI {d.npi}"
                      + ("" if d.dea_number else " · no DEA number"))
                     for d in party_queries.prescribers()],
        sources=[(s, s) for s in rx_rules.SOURCES],
        dose_units=[(u, u) for u in rx_rules.DOSE_UNITS]), form.status


def _dose_data() -> dict[str, Any]:
    """The dose fields as the schema's ``dose`` when any of them is filled in."""
    dose = forms.read(DOSE_FIELDS, prefix="dose.")
    return {"dose": dose} if dose else {}


@bp.route("/cases/<int:case_id>/prescriptions/new", methods=["GET"])
@require_roles(PHARMACIST, TECHNICIAN)
def new_prescription(case_id: int) -> Any:
    """Show the prescription form for a case."""
    return _entry_page(case_id, forms.blank(written_on=clock.today().isoformat(),
                                            refills_authorized="0"))


@bp.route("/cases/<int:case_id>/prescriptions/new", methods=["POST"])
@require_roles(PHARMACIST, TECHNICIAN)
def create_prescription(case_id: int) -> Any:
    """Enter a prescription; DUR runs at entry and its alerts are shown with it."""
    data = {**forms.read(RX_FIELDS, ints=RX_INTS), **_dose_data(), "case_id": case_id,
            "diagnosis_codes": request.form.getlist("diagnosis_codes")}
    form = forms.Submission.load(PrescriptionCreateSchema(), data)
    prescription = form.call(use_cases.enter_prescription, current_user)
    if prescription is None:
        return _entry_page(case_id, form)
    flash(f"Prescription RX{prescription.id:07d} entered; DUR found "
          f"{len(prescription.dur_alerts)} alert(s).", "info")
    return redirect(url_for("staff.prescription", prescription_id=prescription.id))


@bp.route("/prescriptions/<int:prescription_id>")
@require_roles(PHARMACIST, TECHNICIAN, BILLING)
def prescription(prescription_id: int) -> Any:
    """Show a prescription: its DUR alerts, fills and (pharmacists) the dispense form."""
    return dispense_pages.prescription_page(prescription_id, None)
