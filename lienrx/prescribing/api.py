"""Prescriptions API: enter (with DUR at entry), read and cancel prescriptions."""

from __future__ import annotations

from typing import Any

from flask_login import current_user

from lienrx.core.api import ApiBlueprint
from lienrx.core.security import BILLING, PHARMACIST, TECHNICIAN, require_roles
from lienrx.dur import services as dur
from lienrx.dur import use_cases
from lienrx.dur.queries import PrescriptionView
from lienrx.dur.schemas import PrescriptionWithAlertsSchema
from lienrx.prescribing import services
from lienrx.prescribing.schemas import CancelSchema, CloseFillSchema, PrescriptionCreateSchema

blp = ApiBlueprint("prescribing_api", __name__, description="Prescriptions")


@blp.route("/prescriptions", methods=["POST"])
@require_roles(PHARMACIST, TECHNICIAN)
@blp.arguments(PrescriptionCreateSchema)
@blp.response(201, PrescriptionWithAlertsSchema)
def create_prescription(body: dict[str, Any]) -> Any:
    """Enter a prescription; DUR runs at entry and its alerts come back with it."""
    return use_cases.enter_prescription(current_user, **body)


@blp.route("/prescriptions/<int:prescription_id>", methods=["GET"])
@require_roles(PHARMACIST, TECHNICIAN, BILLING)
@blp.response(200, PrescriptionWithAlertsSchema)
def get_prescription(prescription_id: int) -> Any:
    """One prescription with what has been filled and its DUR alerts (audited)."""
    prescription = services.read_prescription(current_user, prescription_id)
    view = PrescriptionView(prescription, dur.alerts_for(prescription.id))
    return view


@blp.route("/prescriptions/<int:prescription_id>/cancel", methods=["POST"])
@require_roles(PHARMACIST)
@blp.arguments(CancelSchema)
@blp.response(200, PrescriptionWithAlertsSchema)
def cancel_prescription(body: dict[str, Any], prescription_id: int) -> Any:
    """Cancel an active prescription (409 `invalid_transition` otherwise)."""
    prescription = services.cancel_prescription(current_user, prescription_id, body["reason"])
    view = PrescriptionView(prescription, dur.alerts_for(prescription.id))
    return view


@blp.route("/prescriptions/<int:prescription_id>/close-fill", methods=["POST"])
@require_roles(PHARMACIST)
@blp.arguments(CloseFillSchema)
@blp.response(200, PrescriptionWithAlertsSchema)
def close_fill(body: dict[str, Any], prescription_id: int) -> Any:
    """Close the fill in progress short with a reason: the rest of it is forfeited and the
    next dispense starts the next fill (409 `invalid_transition` when none is in progress)."""
    prescription = services.close_fill(current_user, prescription_id, body["reason"])
    view = PrescriptionView(prescription, dur.alerts_for(prescription.id))
    return view
