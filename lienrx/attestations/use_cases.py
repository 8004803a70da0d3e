"""Attestation flows that span domains: signing in person on the staff page."""

from __future__ import annotations

from lienrx.attestations import services
from lienrx.attestations.models import Attestation
from lienrx.auth import services as auth
from lienrx.core.actors import Signer

SIGN_PURPOSE = "attestation.sign"


def sign_in_person(actor: Signer, case_id: int, *, password: str, totp: str | None = None,
                   narrative: str | None = None) -> Attestation:
    """Sign the case's POGOS after the pharmacist proves again who they are (password, and the
    authentication code when enrolled); a failed proof is audited and nothing is signed."""
    auth.reauthenticate(actor, password=password, totp=totp, purpose=SIGN_PURPOSE,
                        context={"case_id": case_id})
    return services.issue_attestation(actor, case_id, narrative=narrative)
