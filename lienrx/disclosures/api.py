"""Disclosures API: a patient's accounting of disclosures to law firms (45 CFR 164.528)."""

from __future__ import annotations

from typing import Any

from flask_login import current_user

from lienrx.core.api import ApiBlueprint, paged
from lienrx.core.security import ADMIN, BILLING, PHARMACIST, require_roles
from lienrx.disclosures import services
from lienrx.disclosures.schemas import DisclosureSchema

blp = ApiBlueprint("disclosures_api", __name__,
                   description="The accounting of disclosures of a patient's PHI to law firms")


@blp.route("/patients/<int:patient_id>/disclosures", methods=["GET"])
@require_roles(PHARMACIST, BILLING, ADMIN)
@blp.response(200, DisclosureSchema(many=True))
@blp.paginate()
def list_disclosures(patient_id: int, pagination_parameters: Any) -> Any:
    """Each disclosure of the patient's PHI to a law firm, newest first: when, to which firm,
    what (`case`, `case_list`, `ledger`, `dispenses`, `pogos`, `document`, `letter`,
    `payoff`) and the attorney's user id (the read is audited)."""
    found = services.accounting(current_user, patient_id, page=pagination_parameters.page,
                                page_size=pagination_parameters.page_size)
    return paged(found, pagination_parameters)
