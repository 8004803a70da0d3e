"""Cancelling a prescription from its page, with the reason, after seeing what it stops."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from lienrx.core import forms
from lienrx.core.security import PHARMACIST, require_roles
from lienrx.prescribing import services as prescribing
from lienrx.prescribing.schemas import CancelSchema
from lienrx.staff.blueprint import bp


def _cancel_page(prescription_id: int, form: forms.Submission) -> Any:
    rx = prescribing.read_prescription(current_user, prescription_id)
    return render_template("staff/prescription_cancel.html", rx=rx,
                           status=prescribing.effective_status(rx), form=form), form.status


@bp.route("/prescriptions/<int:prescription_id>/cancel")
@require_roles(PHARMACIST)
def cancel(prescription_id: int) -> Any:
    """Show what cancelling the prescription stops and ask for the reason."""
    return _cancel_page(prescription_id, forms.blank(CancelSchema()))


@bp.route("/prescriptions/<int:prescription_id>/cancel", methods=["POST"])
@require_roles(PHARMACIST)
def cancel_prescription(prescription_id: int) -> Any:
    """Cancel an active prescription with a reason: nothing more is filled from it."""
    form = forms.Submission.load(CancelSchema(), forms.read(("reason",)))
    if form.call(prescribing.cancel_prescription, current_user, prescription_id) is None:
        return _cancel_page(prescription_id, form)
    flash(f"RX{prescription_id:07d} is cancelled; nothing more is filled from it.", "info")
    return redirect(url_for("staff.prescription", prescription_id=prescription_id))
