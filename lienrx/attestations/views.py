"""The public `/verify` page: anyone holding a POGOS checks it without signing in."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request

from lienrx.attestations import verification
from lienrx.attestations.schemas import VerifyPageSchema
from lienrx.core import forms
from lienrx.core.errors import ValidationFailed
from lienrx.core.links import public_url

bp = Blueprint("verify", __name__)


def _check(upload: Any, pasted: str) -> verification.Verdict:
    """Verify the uploaded file, else the pasted JSON."""
    if upload is not None and upload.filename:
        return verification.verify_saved(verification.read_upload(upload.read(), "file"))
    if pasted.strip():
        return verification.verify_saved(
            verification.read_upload(pasted.encode("utf-8"), "pasted"))
    raise ValidationFailed({"file": ["Choose the POGOS PDF or its JSON file, or paste the "
                                     "signed JSON below."]})


@bp.route("/verify", methods=["GET", "POST"], endpoint="page")
def page() -> Any:
    """Check a POGOS: upload its PDF or JSON, or paste the JSON."""
    form, verdict = forms.blank(VerifyPageSchema()), None
    if request.method == "POST":
        form = forms.Submission(request.form.to_dict(), schema=VerifyPageSchema())
        verdict = form.attempt(_check, request.files.get("file"), request.form.get("pasted", ""))
    return render_template("attestations/verify.html", form=form, verdict=verdict,
                           keys_url=public_url("attestations_api.list_keys")), form.status
