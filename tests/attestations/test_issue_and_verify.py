"""Issuing attestations: the signature, the canonical hash, tampering, versions."""

from __future__ import annotations

import base64
import copy
import hashlib
from typing import Any

import pytest

from tests.attestations.helpers import (
    canonical,
    commit,
    days_ago,
    issue,
    public_key,
    signature_holds,
)


def _keys(anonymous: Any) -> list[dict[str, Any]]:
    response = anonymous.get("/api/v1/attestation-keys")
    assert response.status_code == 200
    return list(response.json)


def test_pharmacist_signs_a_case_attestation_with_the_contract_shape(api_as, world):
    pharmacist = api_as("pharmacist", name="Pat Pharmacist", license_number="TN-RPH-77")
    body = issue(pharmacist, world.case_id, narrative="Ketamine for CRPS of the right wrist.")
    assert set(body) >= {"id", "case_id", "version", "issued_at", "document", "sha256",
                         "signature", "key_id", "signed_by"}
    assert body["case_id"] == world.case_id and body["version"] == 1
    assert body["signed_by"] == {"name": "Pat Pharmacist", "license_number": "TN-RPH-77"}
    assert body["document"]["signer"]["license_number"] == "TN-RPH-77"
    assert body["document"]["pharmacist_narrative"] == "Ketamine for CRPS of the right wrist."


def test_signature_verifies_with_cryptography_over_canonical_json(api_as, anonymous, world):
    body = issue(api_as("pharmacist"), world.case_id)
    key = public_key(_keys(anonymous), body["key_id"])
    assert signature_holds(key, body["document"], body["signature"])
    assert body["sha256"] == hashlib.sha256(canonical(body["document"])).hexdigest()


def test_key_id_is_derived_from_the_published_public_key(api_as, anonymous, world):
    body = issue(api_as("pharmacist"), world.case_id)
    (entry,) = [k for k in _keys(anonymous) if k["key_id"] == body["key_id"]]
    raw = base64.b64decode(entry["public_key"])
    assert body["key_id"] == "ed25519:" + hashlib.sha256(raw).hexdigest()[:16]
    assert entry["status"] == "current"


def test_stored_attestation_reads_back_byte_identical(api_as, world):
    pharmacist = api_as("pharmacist")
    issued = issue(pharmacist, world.case_id)
    read = pharmacist.get(f"/api/v1/attestations/{issued['id']}").json
    assert canonical(read["document"]) == canonical(issued["document"])
    assert (read["sha256"], read["signature"], read["key_id"]) == (
        issued["sha256"], issued["signature"], issued["key_id"])


def _leaf_paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _leaf_paths(v, (*path, k))] or [path]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _leaf_paths(v, (*path, i))] or [path]
    return [path]


def _tampered(document: dict[str, Any], path: tuple[Any, ...]) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    target = changed
    for step in path[:-1]:
        target = target[step]
    old = target[path[-1]]
    target[path[-1]] = (old + 1 if isinstance(old, int) and not isinstance(old, bool)
                        else (not old) if isinstance(old, bool)
                        else "tampered" if old != "tampered" else "other")
    return changed


def test_tampering_any_field_fails_verification(api_as, anonymous, world, ctx):
    from lienrx.cases import services as cases

    cases.add_external_treatment(None, world.case_id, kind="iv_ketamine_infusion",
                                 started_on=days_ago(30), facility="Infusion Center",
                                 protocol="5-day", dose="0.5 mg/kg/h")
    commit()
    body = issue(api_as("pharmacist"), world.case_id, narrative="why")
    document = body["document"]
    key = public_key(_keys(anonymous), body["key_id"])
    paths = _leaf_paths(document)
    assert len(paths) > 40
    for path in paths:
        forged = _tampered(document, path)
        assert not signature_holds(key, forged, body["signature"]), path
        verdict = anonymous.post("/api/v1/attestations/verify", json={
            "document": forged, "signature": body["signature"], "key_id": body["key_id"]})
        assert verdict.status_code == 200 and verdict.json["valid"] is False, path
    added = {**document, "extra": "field"}
    removed = {k: v for k, v in document.items() if k != "pharmacist_narrative"}
    for forged in (added, removed):
        assert not signature_holds(key, forged, body["signature"])


def test_verify_endpoint_accepts_the_untouched_document(api_as, anonymous, world):
    body = issue(api_as("pharmacist"), world.case_id)
    verdict = anonymous.post("/api/v1/attestations/verify", json={
        "document": body["document"], "signature": body["signature"], "key_id": body["key_id"]})
    assert verdict.status_code == 200 and verdict.json["valid"] is True


@pytest.mark.parametrize("change", [
    {"signature": "not base64!"}, {"signature": ""}, {"signature": "QUJD"},
    {"key_id": "ed25519:0000000000000000"}, {"key_id": ""},
])
def test_verify_with_a_bad_signature_or_key_is_not_valid(api_as, anonymous, world, change):
    body = issue(api_as("pharmacist"), world.case_id)
    payload = {"document": body["document"], "signature": body["signature"],
               "key_id": body["key_id"], **change}
    verdict = anonymous.post("/api/v1/attestations/verify", json=payload)
    assert verdict.status_code == 200 and verdict.json["valid"] is False


@pytest.mark.parametrize(("payload", "status"), [
    ({"signature": "x", "key_id": "y"}, 422),
    ({"document": [1, 2], "signature": "x", "key_id": "y"}, 422),
    ({"document": {}, "signature": 5, "key_id": "y"}, 422),
    ({"document": "text", "signature": "x", "key_id": None}, 422),
    ([1, 2, 3], 400),
])
def test_malformed_verify_body_is_a_problem_not_a_500(anonymous, payload, status):
    response = anonymous.post("/api/v1/attestations/verify", json=payload)
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"


def test_verify_body_that_is_not_json_is_400(anonymous):
    response = anonymous.client.post("/api/v1/attestations/verify", data="{nope",
                                     content_type="application/json")
    assert response.status_code == 400
    assert response.json["code"] == "bad_request"


def test_new_version_supersedes_and_every_version_stays_verifiable(api_as, anonymous, world):
    pharmacist = api_as("pharmacist")
    first = issue(pharmacist, world.case_id, narrative="first")
    second = issue(pharmacist, world.case_id, narrative="second")
    third = issue(pharmacist, world.case_id, narrative="third")
    assert [first["version"], second["version"], third["version"]] == [1, 2, 3]
    assert second["supersedes_id"] == first["id"] and third["supersedes_id"] == second["id"]
    assert second["document"]["supersedes"] == {"version": 1, "sha256": first["sha256"]}
    assert first["document"]["supersedes"] is None
    keys = _keys(anonymous)
    for issued in (first, second, third):
        read = pharmacist.get(f"/api/v1/attestations/{issued['id']}").json
        assert read["document"]["pharmacist_narrative"] == issued["document"][
            "pharmacist_narrative"]
        assert signature_holds(public_key(keys, read["key_id"]), read["document"],
                               read["signature"])
    assert pharmacist.get(f"/api/v1/attestations/{first['id']}").json[
        "superseded_by_id"] == second["id"]
    listed = pharmacist.get(f"/api/v1/cases/{world.case_id}/attestations").json
    assert [a["version"] for a in listed] == [3, 2, 1]


def test_versions_are_numbered_per_case(api_as, world, ctx):
    from tests import factories

    other_case = factories.case(factories.law_firm()).id
    commit()
    pharmacist = api_as("pharmacist")
    issue(pharmacist, world.case_id)
    assert issue(pharmacist, other_case)["version"] == 1
    assert issue(pharmacist, world.case_id)["version"] == 2

