"""What the document holds (records only), who may sign or read it, and what is audited."""

from __future__ import annotations

import json
from typing import Any

import pytest
import sqlalchemy as sa

from lienrx.audit.models import AuditEvent
from lienrx.cases import services as cases
from lienrx.extensions import db
from lienrx.ledger import services as ledger
from tests import factories
from tests.attestations.helpers import commit, days_ago, issue


def _floats(value: Any) -> list[Any]:
    if isinstance(value, float):
        return [value]
    if isinstance(value, dict):
        return [f for v in value.values() for f in _floats(v)]
    if isinstance(value, list):
        return [f for v in value for f in _floats(v)]
    return []


def _charge(case_id: int, cents: int) -> Any:
    return ledger.post_entry(kind="charge", case_id=case_id, occurred_on=days_ago(10),
                             memo="fill", lines=[(ledger.receivable(case_id), cents),
                                                 (ledger.book(ledger.REVENUE), -cents)])


def test_document_is_built_from_the_case_records(api_as, world, ctx):
    cases.add_external_treatment(None, world.case_id, kind="iv_ketamine_infusion",
                                 started_on=days_ago(40), ended_on=days_ago(36),
                                 facility="Music City Infusion", protocol="5-day outpatient",
                                 dose="0.5 mg/kg/h")
    commit()
    document = issue(api_as("pharmacist"), world.case_id)["document"]
    case = cases.get_case(None, world.case_id)
    assert document["schema"] == "lienrx.pogos/2"
    assert document["case"]["id"] == world.case_id
    assert document["case"]["firm_file_number"] == case.firm_file_number
    assert document["case"]["date_of_injury"] == case.date_of_injury.isoformat()
    assert document["case"]["injury_mechanism"] == "motor_vehicle"
    assert document["patient"]["last_name"] == case.patient.last_name
    assert document["patient"]["date_of_birth"] == case.patient.date_of_birth
    assert document["law_firm"]["name"] == case.law_firm.name
    assert document["attorney_of_record"]["name"]
    assert document["diagnoses"] == [{"icd10": "G90.511", "laterality": "right",
                                      "source": "consult", "crps_type": "I"}]
    (treatment,) = document["external_treatments"]
    assert treatment["facility"] == "Music City Infusion"
    assert treatment["ended_on"] == days_ago(36).isoformat()
    assert document["lien_agreement"]["non_recourse"] is True


def test_totals_and_balance_come_from_the_ledger_as_decimal_strings(api_as, world, ctx):
    _charge(world.case_id, 18550)
    second = _charge(world.case_id, 9925)
    ledger.reverse_entry(second, actor=None, memo="returned")
    commit()
    document = issue(api_as("pharmacist"), world.case_id)["document"]
    assert document["ledger"]["balance"] == "185.50"
    assert document["ledger"]["totals"]["charges"] == "284.75"
    assert document["ledger"]["totals"]["reversals"] == "99.25"
    assert document["ledger"]["totals"]["payments"] == "0.00"
    (reversal,) = document["reversals"]
    assert reversal["amount"] == "99.25" and reversal["reverses_entry_id"] == second.id
    assert _floats(document) == []


def test_case_without_fills_has_empty_medication_sections(api_as, world):
    document = issue(api_as("pharmacist"), world.case_id)["document"]
    assert document["dispense_lines"] == []
    assert document["dur_alerts"] == []
    assert document["medication_rationale"] == []
    assert document["fills"] == {"count": 0, "reversed": 0, "charges": "0.00"}


@pytest.mark.parametrize("role", ["technician", "billing", "admin"])
def test_only_pharmacists_may_sign(api_as, world, role):
    response = api_as(role).post(f"/api/v1/cases/{world.case_id}/attestations", json={})
    assert response.status_code == 403
    assert response.json["code"] == "forbidden"


def test_attorney_cannot_sign(api_as, world):
    attorney = api_as("attorney", firm=world.firm_id)
    response = attorney.post(f"/api/v1/cases/{world.case_id}/attestations", json={})
    assert response.status_code == 403


def test_pharmacist_without_a_license_number_cannot_sign(api_as, world, ctx):
    pharmacist = api_as("pharmacist")
    from lienrx.auth.models import User

    db.session.get(User, pharmacist.user_id).license_number = None
    commit()
    response = pharmacist.post(f"/api/v1/cases/{world.case_id}/attestations", json={})
    assert response.status_code == 403


def test_signing_needs_credentials(anonymous, world):
    response = anonymous.post(f"/api/v1/cases/{world.case_id}/attestations", json={})
    assert response.status_code == 401


def test_signing_an_unknown_case_is_404(api_as):
    response = api_as("pharmacist").post("/api/v1/cases/999999/attestations", json={})
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


@pytest.mark.parametrize("body", [{"narrative": 5}, {"narrative": "x" * 20001},
                                  {"narrative": ["a"]}])
def test_bad_narrative_is_422(api_as, world, body):
    response = api_as("pharmacist").post(f"/api/v1/cases/{world.case_id}/attestations",
                                         json=body)
    assert response.status_code == 422
    assert "narrative" in response.json["errors"]


def test_attorney_reads_own_firms_attestation(api_as, world):
    issued = issue(api_as("pharmacist"), world.case_id)
    attorney = api_as("attorney", firm=world.firm_id)
    response = attorney.get(f"/api/v1/attestations/{issued['id']}")
    assert response.status_code == 200
    assert response.json["sha256"] == issued["sha256"]
    assert attorney.get(f"/api/v1/cases/{world.case_id}/attestations").status_code == 200


@pytest.mark.parametrize("suffix", ["", ".html", ".pdf"])
def test_attorney_of_another_firm_gets_404(api_as, world, suffix):
    issued = issue(api_as("pharmacist"), world.case_id)
    outsider = api_as("attorney")
    response = outsider.get(f"/api/v1/attestations/{issued['id']}{suffix}")
    assert response.status_code == 404
    assert response.json["code"] == "not_found"


def test_attorney_of_another_firm_gets_404_for_the_custodian_certificate(api_as, world):
    response = api_as("attorney").get(
        f"/api/v1/cases/{world.case_id}/custodian-certificate.pdf")
    assert response.status_code == 404


def test_old_firm_loses_access_after_substitution_of_counsel(api_as, world, ctx):
    issued = issue(api_as("pharmacist"), world.case_id)
    old_attorney = api_as("attorney", firm=world.firm_id)
    cases.transfer_case(None, world.case_id, law_firm_id=factories.law_firm().id)
    commit()
    assert old_attorney.get(f"/api/v1/attestations/{issued['id']}").status_code == 404


@pytest.mark.parametrize("role", ["technician", "admin"])
def test_roles_outside_p_b_l_cannot_read(api_as, world, role):
    issued = issue(api_as("pharmacist"), world.case_id)
    assert api_as(role).get(f"/api/v1/attestations/{issued['id']}").status_code == 403


def test_billing_reads_any_attestation(api_as, world):
    issued = issue(api_as("pharmacist"), world.case_id)
    assert api_as("billing").get(f"/api/v1/attestations/{issued['id']}").status_code == 200


def test_unknown_attestation_is_404(api_as):
    assert api_as("billing").get("/api/v1/attestations/424242").status_code == 404


def test_issuing_and_reading_are_audited_without_phi(api_as, world, ctx):
    issued = issue(api_as("pharmacist"), world.case_id, narrative="Narrative text")
    api_as("billing").get(f"/api/v1/attestations/{issued['id']}")
    api_as("billing").get(f"/api/v1/attestations/{issued['id']}.pdf")
    events = {e.action: e for e in db.session.execute(
        sa.select(AuditEvent).where(AuditEvent.entity_type == "attestation")).scalars()}
    assert {"attestation.issued", "attestation.read", "attestation.rendered"} <= set(events)
    assert events["attestation.issued"].details["sha256"] == issued["sha256"]
    patient = issued["document"]["patient"]
    for event in events.values():
        text = json.dumps(event.details)
        for phi in (patient["first_name"], patient["last_name"], patient["date_of_birth"],
                    "Narrative text"):
            assert phi not in text


def test_stored_versions_cannot_be_changed(api_as, world, ctx):
    issued = issue(api_as("pharmacist"), world.case_id)
    with pytest.raises(sa.exc.DatabaseError):
        db.session.execute(sa.text("UPDATE attestations SET document_json = '{}' WHERE id = :i"),
                           {"i": issued["id"]})
        db.session.flush()
    db.session.rollback()


def test_stored_versions_change_only_by_reencryption(api_as, world, ctx):
    issued = issue(api_as("pharmacist"), world.case_id)
    token = db.session.execute(sa.text("SELECT document_json FROM attestations WHERE id = :i"),
                               {"i": issued["id"]}).scalar_one()
    fernet = ctx.extensions["lienrx.keyring"].fernet
    again = fernet.encrypt(fernet.decrypt(token.encode())).decode()
    assert again != token
    db.session.execute(sa.text("UPDATE attestations SET document_json = :d WHERE id = :i"),
                       {"d": again, "i": issued["id"]})  # what `lienrx keys rotate` does
    db.session.commit()
    refused = [("UPDATE attestations SET sha256 = :s WHERE id = :i", {"s": "0" * 64}),
               ("UPDATE attestations SET document_json = :d, version = 2 WHERE id = :i",
                {"d": token}),
               ("UPDATE attestations SET document_json = :d WHERE id = :i",
                {"d": '{"case_id":1}'}),  # plaintext
               ("DELETE FROM attestations WHERE id = :i", {})]
    for sql, params in refused:
        with pytest.raises(sa.exc.DatabaseError):
            db.session.execute(sa.text(sql), {**params, "i": issued["id"]})
            db.session.flush()
        db.session.rollback()
    stored = db.session.execute(sa.text("SELECT document_json FROM attestations WHERE id = :i"),
                                {"i": issued["id"]}).scalar_one()
    assert fernet.decrypt(stored.encode()) == fernet.decrypt(token.encode())
