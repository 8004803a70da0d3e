"""Parties API: law firms, patients, prescribers."""

from __future__ import annotations

from typing import Any

from flask_login import current_user

from lienrx.core.api import ApiBlueprint, paged
from lienrx.core.security import ADMIN, BILLING, PHARMACIST, STAFF, TECHNICIAN, require_roles
from lienrx.parties import services
from lienrx.parties.schemas import (
    LawFirmCreateSchema,
    LawFirmSchema,
    OutsideMedicationCreateSchema,
    OutsideMedicationSchema,
    OutsideMedicationStopSchema,
    PatientCreateSchema,
    PatientProfileSchema,
    PatientSchema,
    PatientSearchArgs,
    PrescriberCreateSchema,
    PrescriberSchema,
)

blp = ApiBlueprint("parties_api", __name__, description="Law firms, patients and prescribers")


@blp.route("/law-firms", methods=["POST"])
@require_roles(ADMIN, BILLING)
@blp.arguments(LawFirmCreateSchema)
@blp.response(201, LawFirmSchema)
def create_law_firm(body: dict[str, Any]) -> Any:
    """Register a law firm."""
    firm = services.create_law_firm(current_user, **body)
    return firm


@blp.route("/law-firms", methods=["GET"])
@require_roles(*STAFF)
@blp.response(200, LawFirmSchema(many=True))
@blp.paginate()
def list_law_firms(pagination_parameters: Any) -> Any:
    """Law firms, by name, a page at a time."""
    firms = services.list_law_firms(pagination_parameters.page, pagination_parameters.page_size)
    return paged(firms, pagination_parameters)


@blp.route("/law-firms/<int:firm_id>", methods=["GET"])
@require_roles(*STAFF)
@blp.response(200, LawFirmSchema)
def get_law_firm(firm_id: int) -> Any:
    """One law firm."""
    return services.get_law_firm(firm_id)


@blp.route("/patients", methods=["POST"])
@require_roles(PHARMACIST, TECHNICIAN, BILLING)
@blp.arguments(PatientCreateSchema)
@blp.response(201, PatientSchema)
def create_patient(body: dict[str, Any]) -> Any:
    """Register a patient with any part of the clinical profile (PHI, encrypted at rest).

    A patient with the same last name (case, accents, spaces, hyphens and apostrophes aside)
    and date of birth → 409 `possible_duplicate_patient` with `matches: [{id}]`, unless
    `confirm_new: true`."""
    patient = services.create_patient(current_user, **body)
    return patient


@blp.route("/patients", methods=["GET"])
@require_roles(PHARMACIST, TECHNICIAN, BILLING)
@blp.arguments(PatientSearchArgs, location="query")
@blp.response(200, PatientSchema(many=True))
@blp.paginate()
def search_patients(args: dict[str, Any], pagination_parameters: Any) -> Any:
    """Find patients by exact last name and date of birth (through the blind index)."""
    patients = services.find_patients(current_user, args["last_name"], args["date_of_birth"],
                                      page=pagination_parameters.page,
                                      page_size=pagination_parameters.page_size)
    return paged(patients, pagination_parameters)


@blp.route("/patients/<int:patient_id>", methods=["GET"])
@require_roles(PHARMACIST, TECHNICIAN, BILLING)
@blp.response(200, PatientSchema)
def get_patient(patient_id: int) -> Any:
    """One patient (a PHI read: audited)."""
    patient = services.read_patient(current_user, patient_id)
    return patient


@blp.route("/patients/<int:patient_id>", methods=["PATCH"])
@require_roles(PHARMACIST, TECHNICIAN)
@blp.arguments(PatientProfileSchema)
@blp.response(200, PatientSchema)
def update_patient(body: dict[str, Any], patient_id: int) -> Any:
    """Change the clinical profile or contact details: each field sent is set, null clears
    it; the creatinine clearance and its date come together."""
    return services.update_patient(current_user, patient_id, **body)


@blp.route("/patients/<int:patient_id>/outside-medications", methods=["POST"])
@require_roles(PHARMACIST, TECHNICIAN)
@blp.arguments(OutsideMedicationCreateSchema)
@blp.response(201, OutsideMedicationSchema)
def record_outside_medication(body: dict[str, Any], patient_id: int) -> Any:
    """Record a medication the patient takes that this pharmacy did not fill (DUR counts it
    until it is stopped)."""
    return services.record_outside_medication(current_user, patient_id, **body)


@blp.route("/patients/<int:patient_id>/outside-medications", methods=["GET"])
@require_roles(PHARMACIST, TECHNICIAN, BILLING)
@blp.response(200, OutsideMedicationSchema(many=True))
@blp.paginate()
def list_outside_medications(patient_id: int, pagination_parameters: Any) -> Any:
    """The patient's outside medications, stopped ones too (a PHI read: audited)."""
    medications = services.read_outside_medications(
        current_user, patient_id, page=pagination_parameters.page,
        page_size=pagination_parameters.page_size)
    return paged(medications, pagination_parameters)


@blp.route("/patients/<int:patient_id>/outside-medications/<int:medication_id>",
           methods=["PATCH"])
@require_roles(PHARMACIST, TECHNICIAN)
@blp.arguments(OutsideMedicationStopSchema)
@blp.response(200, OutsideMedicationSchema)
def stop_outside_medication(body: dict[str, Any], patient_id: int, medication_id: int) -> Any:
    """Record the day the patient stopped an outside medication (`stopped_on`)."""
    return services.stop_outside_medication(current_user, patient_id, medication_id, **body)


@blp.route("/prescribers", methods=["POST"])
@require_roles(PHARMACIST, TECHNICIAN)
@blp.arguments(PrescriberCreateSchema)
@blp.response(201, PrescriberSchema)
def create_prescriber(body: dict[str, Any]) -> Any:
    """Register a prescriber; the NPI and DEA number are checked."""
    prescriber = services.create_prescriber(current_user, **body)
    return prescriber


@blp.route("/prescribers/<int:prescriber_id>", methods=["GET"])
@require_roles(PHARMACIST, TECHNICIAN, BILLING)
@blp.response(200, PrescriberSchema)
def get_prescriber(prescriber_id: int) -> Any:
    """One prescriber."""
    return services.get_prescriber(prescriber_id)
