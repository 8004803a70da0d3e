"""What the OpenAPI document says per operation beyond the views' decorators: the conflict
codes each operation's services can answer, other refusals, and hand-written request examples
for the key bodies. Keyed by endpoint (``blueprint.view_function``); ``tests/api`` checks that
every endpoint named exists and every conflict code a service raises is listed here."""

from __future__ import annotations

from lienrx.core.openapi import Contract

# Every conflict code (409) the API can answer, and what it tells the client.
CONFLICT_MEANINGS = {
    "already_reversed": "the dispense or ledger entry was already reversed.",
    "beyond_use_date_passed": "the compounded batch's beyond-use date has passed.",
    "already_revoked": "the authorization was revoked before.",
    "case_closed": "the case is closed: no further charges, adjustments or orders.",
    "compounding_not_verified": "the batch was not verified by a pharmacist by the fill date.",
    "days_supply_exceeds_bud": "the days supply runs past the batch's beyond-use date "
                               "(a pharmacist may override with `bud_override`).",
    "days_supply_inconsistent": "quantity over days supply is well above the prescribed "
                                "daily dose (`dispensed_per_day`, `prescribed_per_day`).",
    "case_not_closed_without_recovery": "the case was not closed with outcome `no_recovery`, "
                                        "so it has no closing letter.",
    "dur_unresolved": "high-severity DUR alerts need a pharmacist's resolution (`alerts`; "
                      "resend with `dur_resolutions`).",
    "email_taken": "an account with this e-mail already exists.",
    "formulation_not_approved": "the product's newest master formulation is not approved by "
                                "a pharmacist.",
    "idempotency_key_in_progress": "a request with this Idempotency-Key is still running.",
    "idempotency_key_reused": "this Idempotency-Key was used for a different request.",
    "insufficient_inventory": "the lot holds less than is needed (`lot_id`, `available`).",
    "invalid_transition": "the record's status does not allow this action (e.g. a repeat).",
    "lien_not_active": "no lien agreement is in force on the case for the fill date.",
    "ndc_required": "a commercial product is dispensed only by a listed package NDC.",
    "pdmp_pharmacy_incomplete": "the pharmacy's identity the state's file needs (NPI, DEA, "
                                "address) is not configured.",
    "pdmp_records_unreportable": "records of the day must be corrected first (`problems`).",
    "possible_duplicate_patient": "a patient with this last name and date of birth exists "
                                  "(`matches`); send `confirm_new: true` to register another.",
    "prescription_expired": "the prescription is past its last fill date.",
    "price_missing": "no price is in effect for the product on the fill date.",
    "qc_out_of_spec": "a QC result is outside its range (`checks`); the results are kept.",
    "quantity_exceeds_fill": "more than remains of the current fill (`refill_number`, "
                             "`fill_remaining`).",
    "refill_too_soon": "the previous supply lasts past today (`due_on`); a pharmacist may "
                       "override with `override_refill_too_soon`.",
    "refills_exhausted": "no refills or quantity remain on the prescription.",
    "return_exceeds_draw": "more would return to stock than the fill drew from the lot.",
    "settlement_required": "`pro_rata` and `cap` reductions need a recorded settlement.",
}

# The conflict codes each operation's services (and the rules they call) can raise.
CONFLICTS: dict[str, tuple[str, ...]] = {
    "auth_api.create_user": ("email_taken",),
    "auth_api.deactivate_user": ("invalid_transition",),
    "parties_api.create_patient": ("possible_duplicate_patient",),
    "cases_api.record_lien_agreement": ("invalid_transition",),
    "cases_api.transfer_case": ("invalid_transition",),
    "cases_api.hold_case": ("invalid_transition",),
    "cases_api.resume_case": ("invalid_transition",),
    "prescribing_api.create_prescription": ("case_closed",),
    "prescribing_api.cancel_prescription": ("invalid_transition",),
    "prescribing_api.close_fill": ("invalid_transition",),
    "compounding_api.record_batch": ("formulation_not_approved", "insufficient_inventory"),
    "compounding_api.verify_batch": ("invalid_transition", "qc_out_of_spec"),
    "compounding_api.reject_batch": ("invalid_transition",),
    "compounding_api.approve_formulation": ("invalid_transition",),
    "dispensing_api.create_dispense": (
        "refills_exhausted", "prescription_expired", "lien_not_active",
        "compounding_not_verified", "beyond_use_date_passed", "refill_too_soon",
        "dur_unresolved", "case_closed", "invalid_transition", "quantity_exceeds_fill",
        "days_supply_exceeds_bud", "days_supply_inconsistent", "ndc_required",
        "insufficient_inventory", "price_missing"),
    "dispensing_api.reverse_dispense": ("already_reversed", "case_closed", "invalid_transition",
                                        "insufficient_inventory", "return_exceeds_draw"),
    "settlement_api.issue_payoff_statement": ("case_closed",),
    "settlement_api.record_settlement": ("case_closed", "invalid_transition"),
    "settlement_api.reduce_lien": ("settlement_required", "case_closed", "invalid_transition"),
    "settlement_api.record_payment": ("case_closed",),
    "settlement_api.write_off": ("case_closed",),
    "settlement_api.close_case": ("invalid_transition",),
    "reduction_requests_api.file_request": ("case_closed", "invalid_transition"),
    "reduction_requests_api.answer_request": ("settlement_required", "case_closed",
                                              "invalid_transition"),
    "reduction_requests_api.respond": ("settlement_required", "case_closed",
                                       "invalid_transition"),
    "pdmp_api.generate_report": ("pdmp_pharmacy_incomplete", "pdmp_records_unreportable"),
    "pdmp_api.record_submission": ("invalid_transition",),
    "pdmp_api.record_result": ("invalid_transition",),
    "inventory_api.record_movement": ("insufficient_inventory", "invalid_transition"),
    "inventory_api.record_count": ("insufficient_inventory",),
    "case_documents_api.revoke_document": ("already_revoked", "invalid_transition"),
    "settlement_api.closing_letter_html": ("case_not_closed_without_recovery",),
    "settlement_api.closing_letter_pdf": ("case_not_closed_without_recovery",),
}

# The attorney operations on one case's records: each passes the HIPAA gate (SPEC §7.8).
HIPAA_GATED = (
    "cases_api.get_case", "cases_api.case_ledger", "cases_api.case_ledger_csv",
    "dispensing_api.get_dispense",
    "settlement_api.get_payoff", "settlement_api.issue_payoff_statement",
    "settlement_api.list_payoff_statements", "settlement_api.settlement_preview",
    "settlement_api.payoff_statement_html", "settlement_api.payoff_statement_pdf",
    "settlement_api.release_letter_html", "settlement_api.release_letter_pdf",
    "settlement_api.closing_letter_html", "settlement_api.closing_letter_pdf",
    "attestations_api.list_attestations", "attestations_api.get_attestation",
    "attestations_api.attestation_html", "attestations_api.attestation_pdf",
    "attestations_api.custodian_certificate", "reduction_requests_api.file_request",
    "reduction_requests_api.case_requests", "reduction_requests_api.get_request",
    "reduction_requests_api.respond", "case_documents_api.list_documents",
    "case_documents_api.document_content",
)
HIPAA_REFUSAL = ("The caller's role may not do this (`forbidden`), or the caller is an attorney "
                 "and no HIPAA authorization naming the firm is in force on the case "
                 "(`hipaa_authorization_required`): the pharmacy must have the client's "
                 "signed authorization on file.")

# Refusals of operations that no decorator shows.
RESPONSES = {
    "auth_api.issue_token": {401: "The e-mail, password or (when enrolled) the TOTP code is "
                                  "wrong, or the account is inactive (`unauthenticated`)."},
    **{endpoint: {403: HIPAA_REFUSAL} for endpoint in HIPAA_GATED},
}

# Request bodies as a client would send them; the rest are generated from their schemas.
PHARMACIST_CONTACTED = {"name": "Dr. Ellen Park", "at": "2026-10-15T14:30:00-05:00"}
EXAMPLES = {
    "auth_api.create_user": {
        "email": "j.reyes@cumberland-rx.example", "name": "Jordan Reyes", "role": "pharmacist",
        "password": "amber-tractor-violin-42", "license_number": "TN-RPH-10442"},
    "parties_api.create_law_firm": {
        "name": "Cumberland Law Group", "address": "200 Commerce St, Nashville, TN 37201",
        "phone": "615-555-0142", "email": "intake@cumberland-law.example"},
    "parties_api.create_patient": {
        "first_name": "Maria", "last_name": "Lopez", "date_of_birth": "1984-03-02",
        "sex": "female", "weight_kg": 68.5, "height_cm": 165,
        "allergies": [{"substance": "Penicillin", "reaction": "Hives", "severity": "moderate"}],
        "phone": "615-555-0142", "address": "1200 Elm Hill Pike, Nashville, TN 37210"},
    "parties_api.update_patient": {
        "weight_kg": 70.2, "creatinine_clearance": 88, "creatinine_clearance_on": "2026-10-12"},
    "parties_api.record_outside_medication": {
        "name": "Gabapentin 300 mg capsule", "ingredient": "gabapentin", "dose_mg_per_day": 900,
        "source": "patient", "started_on": "2026-09-01"},
    "parties_api.create_prescriber": {
        "first_name": "Ellen", "last_name": "Park", "credential": "MD", "npi": "1234567893",
        "dea_number": "FP1234563", "state_license": "TN-MD-55821",
        "specialty": "Physical medicine and rehabilitation"},
    "cases_api.open_case": {
        "patient_id": 9, "law_firm_id": 3, "firm_file_number": "CLG-2026-0412",
        "date_of_injury": "2026-08-02", "injury_mechanism": "motor_vehicle",
        "mechanism_narrative": "Rear-ended at a stop light; neck pain since.",
        "jurisdiction": "TN", "diagnoses": [{"icd10": "S13.4XXA", "source": "ED record"}]},
    "cases_api.record_lien_agreement": {"signed_on": "2026-10-01", "patient_signed": True,
                                        "non_recourse": True},
    "cases_api.hold_case": {"reason": "The client is changing counsel"},
    "cases_api.record_suit_filed": {"suit_filed_on": "2026-11-02"},
    "prescribing_api.create_prescription": {
        "case_id": 12, "prescriber_id": 4, "product_id": 7,
        "sig": "Apply 1 g to the neck three times a day", "quantity": 90, "days_supply": 30,
        "refills_authorized": 2, "written_on": "2026-10-15", "diagnosis_codes": ["S13.4XXA"],
        "indication": "Cervical strain pain", "dose": {"amount": 1, "unit": "g",
                                                       "times_per_day": 3},
        "source": "electronic"},
    "prescribing_api.cancel_prescription": {"reason": "The prescriber stopped the medication"},
    "prescribing_api.close_fill": {"reason": "The patient declined the rest of the fill"},
    "compounding_api.record_batch": {
        "product_id": 7, "quantity": 120,
        "ingredients": [
            {"component": "Ketamine HCl", "vendor": "PCCA", "lot_number": "K2609-22",
             "expiration_date": "2027-06-30", "quantity": 12, "unit": "g"},
            {"component": "Lipoderm base", "vendor": "PCCA", "lot_number": "LB2608-03",
             "expiration_date": "2027-03-31", "quantity": 108, "unit": "g"}],
        "qc_results": {"final_weight": 120.4, "appearance": "pass"}},
    "compounding_api.verify_batch": {"qc_results": {"final_weight": 120.4,
                                                    "appearance": "pass"}},
    "compounding_api.reject_batch": {"reason": "Final weight out of specification"},
    "dur_api.resolve_alert": {
        "reason": "DD", "professional_service": "M0", "result": "1G",
        "note": "Prescriber confirmed the combination.", "contacted": PHARMACIST_CONTACTED},
    "dispensing_api.create_dispense": {
        "prescription_id": 31, "quantity": 90, "days_supply": 30, "compounding_record_id": 18,
        "delivery_method": "courier",
        "dur_resolutions": [{"alert_id": 57, "reason": "DD", "professional_service": "M0",
                             "result": "1G", "note": "Prescriber confirmed the combination.",
                             "contacted": PHARMACIST_CONTACTED}]},
    "dispensing_api.reverse_dispense": {"reason": "Returned unopened by the patient",
                                        "disposition": "return_to_stock"},
    "settlement_api.record_settlement": {
        "settled_on": "2026-10-15", "gross_amount": "85000.00", "attorney_fees": "28333.33",
        "costs": "2150.00"},
    "settlement_api.reduce_lien": {
        "method": "percent", "value": "15",
        "reason": "Policy limits reached; the firm asked for a courtesy reduction"},
    "settlement_api.record_payment": {
        "amount": "4850.00", "received_on": "2026-10-20", "reference": "CHK 10442"},
    "settlement_api.write_off": {"amount": "125.00",
                                 "reason": "Small residual after the settlement"},
    "settlement_api.close_case": {"outcome": "paid",
                                  "reason": "Residual written off as agreed at settlement"},
    "attestations_api.verify_document": {
        "document": {"case_id": 12, "version": 2, "balance": "1234.50"},
        "signature": "9xQv0xw0mD3l3c5yZb6kq8Xn2bKQm1Y0dK3e2t1hZr4vQp8sW7uJc6nH5gF4eD3c"
                     "B2aA1zZ0yY9xX8wW7vV6uA==",
        "key_id": "ed25519-2026-01"},
    "reduction_requests_api.file_request": {
        "method": "amount", "value": "1500.00",
        "reason": "Policy limits of $25,000; the client's net is small"},
    "reduction_requests_api.answer_request": {"decision": "counter", "value": "750.00",
                                              "note": "We can meet you halfway."},
    "reduction_requests_api.respond": {"action": "counter", "amount": "1100.00",
                                       "note": "Our client's net after fees is small."},
    "pdmp_api.record_result": {"accepted": True},
    "inventory_api.receive": {
        "component": "Ketamine HCl", "ndc": "00409-2051-05", "lot_number": "K2609-22",
        "expiration_date": "2027-06-30", "quantity": 500, "unit": "g",
        "supplier": "Cardinal Health", "supplier_dea_number": "RC1234563",
        "invoice_number": "INV-20931", "received_on": "2026-10-14"},
    "inventory_api.record_movement": {
        "lot_id": 5, "kind": "waste", "quantity": 2.5, "reason": "Spilled while weighing",
        "witnesses": ["Jordan Reyes"]},
    "webhooks_api.create_webhook": {
        "url": "https://cms.cumberland-law.example/hooks/lienrx",
        "events": ["new_fill", "payoff_issued", "case_closed"]},
}

CONTRACT = Contract(conflicts=CONFLICTS, conflict_meanings=CONFLICT_MEANINGS,
                    responses=RESPONSES, examples=EXAMPLES)
