"""Dispensing API: fill at $0 against the lien, read a fill, reverse it."""

from __future__ import annotations

from typing import Any

from flask_login import current_user

from lienrx.core.api import ApiBlueprint
from lienrx.core.idempotency import idempotent
from lienrx.core.security import ATTORNEY, BILLING, PHARMACIST, TECHNICIAN, require_roles
from lienrx.dispensing import services
from lienrx.dispensing.schemas import (
    AttorneyDispenseSchema,
    DispenseCreateSchema,
    DispenseSchema,
    ReverseSchema,
)

blp = ApiBlueprint("dispensing_api", __name__, description="Dispensing against the lien")


@blp.route("/dispenses", methods=["POST"])
@require_roles(PHARMACIST)
@idempotent
@blp.arguments(DispenseCreateSchema)
@blp.response(201, DispenseSchema)
def create_dispense(body: dict[str, Any]) -> Any:
    """Dispense at $0 and charge the lien (honours Idempotency-Key)."""
    request = services.DispenseRequest.from_loaded(body)
    return services.dispense(current_user, request)  # @idempotent commits


@blp.route("/dispenses/<int:dispense_id>", methods=["GET"])
@require_roles(PHARMACIST, TECHNICIAN, BILLING, ATTORNEY)
@blp.role_response(200, DispenseSchema, attorney=AttorneyDispenseSchema)
def get_dispense(dispense_id: int) -> Any:
    """One dispense (attorneys: their own firm's cases only)."""
    record = services.read_dispense(current_user, dispense_id)
    return record


@blp.route("/dispenses/<int:dispense_id>/reverse", methods=["POST"])
@require_roles(PHARMACIST)
@blp.arguments(ReverseSchema)
@blp.response(200, DispenseSchema)
def reverse_dispense(body: dict[str, Any], dispense_id: int) -> Any:
    """Reverse a dispense with a reason (and, for a controlled fill drawn from the
    inventory, its disposition); a second reversal is 409 already_reversed."""
    record = services.reverse(current_user, dispense_id, body["reason"],
                              body.get("disposition"))
    return record
