"""The POGOS attestation: preview it for a case, add the narrative, sign, download."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from lienrx.attestations import layout, services, use_cases
from lienrx.attestations.schemas import AttestationCreateSchema, AttestationSignFormSchema
from lienrx.auth import services as auth
from lienrx.core import clock, forms
from lienrx.core.security import BILLING, PHARMACIST, require_roles
from lienrx.staff import confirm, effects
from lienrx.staff.account import count_failed_proof, proof_limited
from lienrx.staff.blueprint import bp


def attestation_page(case_id: int, form: forms.Submission | None = None) -> Any:
    """Render the preview built from the records, the signed versions and the sign form."""
    form = form or forms.blank(AttestationSignFormSchema())
    document = services.preview_attestation(current_user, case_id,
                                            form.value("narrative") or None)
    versions = services.list_attestations(current_user, case_id)
    zone = clock.timezone()
    return render_template("staff/attestation.html", case_id=case_id, doc=document,
                           versions=versions, form=form, rows=layout.timeline(document),
                           headings=layout.TIMELINE_HEADINGS, numeric=layout.NUMERIC,
                           indications=layout.indications(document),
                           day=layout.day, at=lambda value: layout.moment(value, zone),
                           totp_enrolled=auth.second_factor_enrolled(current_user)), form.status


@bp.route("/cases/<int:case_id>/attestation")
@require_roles(PHARMACIST, BILLING)
def attestation(case_id: int) -> Any:
    """Preview the case's POGOS and list its signed versions."""
    return attestation_page(case_id)


def _sign_confirmation(case_id: int, form: forms.Submission) -> Any:
    """What signing does (the version, what it states in money, that it is final), with the
    password (and code) asked on this step."""
    document = services.preview_attestation(current_user, case_id,
                                            form.value("narrative") or None)
    title, said = effects.signing(document, services.latest(case_id))
    return confirm.page(title=title, effects=said, form=form,
                        action=url_for("staff.sign_attestation", case_id=case_id),
                        back=url_for("staff.attestation", case_id=case_id),
                        button="Sign POGOS", template="staff/attestation_confirm.html",
                        totp_enrolled=auth.second_factor_enrolled(current_user))


@bp.route("/cases/<int:case_id>/attestation", methods=["POST"])
@proof_limited
@require_roles(PHARMACIST)
def sign_attestation(case_id: int) -> Any:
    """First post: what signing does, nothing signed; confirmed: sign the POGOS with the
    narrative as the case's next version, once the pharmacist has given their password (and
    authentication code, when enrolled) again."""
    if not confirm.confirmed():
        review = forms.Submission.load(AttestationCreateSchema(), forms.read(("narrative",)),
                                       raw={"narrative": request.form.get("narrative", "")})
        if not review.ok:
            return attestation_page(case_id, review)
        return _sign_confirmation(case_id, forms.blank(AttestationSignFormSchema(),
                                                       narrative=review.raw["narrative"]))
    data = forms.read(("narrative", "totp"))
    if request.form.get("password"):
        data["password"] = request.form["password"]  # as typed: spaces are part of it
    shown = {"narrative": request.form.get("narrative", "")}  # never the password or code
    form = forms.Submission.load(AttestationSignFormSchema(), data, raw=shown)
    signed = form.call(use_cases.sign_in_person, current_user, case_id)
    if signed is None:
        count_failed_proof(form)
        return _sign_confirmation(case_id, form)
    flash(f"POGOS version {signed.version} signed (SHA-256 {signed.sha256[:12]}…).", "info")
    return redirect(url_for("staff.attestation", case_id=case_id))
