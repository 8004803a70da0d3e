"""Compounding API: approve a master formulation; record a batch, verify or reject it,
read it."""

from __future__ import annotations

from typing import Any

from flask_login import current_user

from lienrx.compounding import services
from lienrx.compounding.schemas import (
    BatchVerifySchema,
    CompoundingRecordCreateSchema,
    CompoundingRecordSchema,
    RejectSchema,
)
from lienrx.core.api import ApiBlueprint
from lienrx.core.security import PHARMACIST, TECHNICIAN, require_roles
from lienrx.formulary import services as formulary
from lienrx.formulary.schemas import FormulationSchema

blp = ApiBlueprint("compounding_api", __name__, description="USP <795> compounding records")


@blp.route("/compounding-records", methods=["POST"])
@require_roles(PHARMACIST, TECHNICIAN)
@blp.arguments(CompoundingRecordCreateSchema)
@blp.response(201, CompoundingRecordSchema)
def record_batch(body: dict[str, Any]) -> Any:
    """Record a compounded batch (status `pending_verification`)."""
    record = services.record_batch(current_user, **body)
    return record


@blp.route("/compounding-records/<int:record_id>", methods=["GET"])
@require_roles(PHARMACIST, TECHNICIAN)
@blp.response(200, CompoundingRecordSchema)
def get_batch(record_id: int) -> Any:
    """One compounding record with its ingredient lots."""
    return services.get_batch(record_id)


@blp.route("/compounding-records/<int:record_id>/verify", methods=["POST"])
@require_roles(PHARMACIST)
@blp.arguments(BatchVerifySchema)
@blp.response(200, CompoundingRecordSchema)
def verify_batch(body: dict[str, Any], record_id: int) -> Any:
    """Verify a batch: the verifier must not be the compounder (409 `invalid_transition`),
    every QC check needs a result (422 naming the missing ones), and a numeric result out of
    its range is 409 `qc_out_of_spec` (the results are kept; the batch may be rejected)."""
    record = services.verify_batch(current_user, record_id, **body)
    return record


@blp.route("/compounding-records/<int:record_id>/reject", methods=["POST"])
@require_roles(PHARMACIST)
@blp.arguments(RejectSchema)
@blp.response(200, CompoundingRecordSchema)
def reject_batch(body: dict[str, Any], record_id: int) -> Any:
    """Reject a pending batch; nothing is dispensed from it."""
    record = services.reject_batch(current_user, record_id, body["reason"])
    return record


@blp.route("/formulations/<int:formulation_id>/approve", methods=["POST"])
@require_roles(PHARMACIST)
@blp.response(200, FormulationSchema)
def approve_formulation(formulation_id: int) -> Any:
    """A pharmacist approves a master formulation version: from then on batches are made
    from it. Approved by a pharmacist already → 409 `invalid_transition`."""
    return formulary.approve_formulation(current_user, formulation_id)
