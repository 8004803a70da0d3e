"""Rotating LIENRX_SIGNING_KEY: the new key signs, the old one stays published and verifying."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from lienrx import create_app
from lienrx.core import crypto
from lienrx.extensions import db
from tests.attestations.helpers import issue, public_key, signature_holds
from tests.conftest import ApiClient, IsolatedClient
from tests.conftest import test_settings as settings_for


@pytest.fixture
def rotated(app: Flask, database_url: str) -> Iterator[Flask]:
    """The same database served by an application with a new signing key."""
    other = create_app(settings_for(database_url, LIENRX_SIGNING_KEY=crypto.new_signing_seed()))
    other.test_client_class = IsolatedClient
    yield other
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def _as(application: Flask, client: ApiClient) -> ApiClient:
    return ApiClient(application.test_client(), client.token, client.user_id)


def _keys(client: Any) -> list[dict[str, Any]]:
    response = client.get("/api/v1/attestation-keys")
    assert response.status_code == 200
    return list(response.json)


def test_rotation_keeps_old_attestations_verifiable(api_as, anonymous, world, rotated):
    pharmacist = api_as("pharmacist")
    old = issue(pharmacist, world.case_id)
    new = issue(_as(rotated, pharmacist), world.case_id)
    assert new["key_id"] != old["key_id"] and new["version"] == 2

    keys = _keys(_as(rotated, anonymous))
    statuses = {k["key_id"]: k["status"] for k in keys}
    assert statuses == {old["key_id"]: "retired", new["key_id"]: "current"}
    assert keys[0]["key_id"] == new["key_id"]
    for issued in (old, new):
        assert signature_holds(public_key(keys, issued["key_id"]), issued["document"],
                               issued["signature"])
        for client in (anonymous, _as(rotated, anonymous)):
            verdict = client.post("/api/v1/attestations/verify", json={
                "document": issued["document"], "signature": issued["signature"],
                "key_id": issued["key_id"]})
            assert verdict.json["valid"] is True
            assert verdict.json["key_status"] == ("retired" if issued is old else "active")


def _publish(application: Flask) -> None:
    """What `lienrx serve` does at start-up: publish the configured signing key."""
    result = application.test_cli_runner().invoke(args=["attestations", "publish-key"])
    assert result.exit_code == 0, result.output
    assert "as the current attestation key" in result.output


def _rows(application: Flask) -> tuple[list[tuple[Any, ...]], int]:
    with application.app_context():
        keys = db.session.execute(sa.text(
            "SELECT id, key_id, public_key, first_used_at, retired_at FROM attestation_keys"
            " ORDER BY id")).all()
        events = db.session.execute(sa.text("SELECT count(*) FROM audit_events")).scalar_one()
        db.session.remove()
    return [tuple(k) for k in keys], events


def test_publishing_the_current_key_is_idempotent_and_retires_the_previous(app, anonymous,
                                                                          rotated):
    _publish(app)
    first = _keys(anonymous)
    _publish(app)
    assert _keys(anonymous) == first
    assert [k["status"] for k in first] == ["current"]
    _publish(rotated)
    after = _keys(_as(rotated, anonymous))
    assert [k["status"] for k in after] == ["current", "retired"]
    assert after[1]["key_id"] == first[0]["key_id"] and after[1]["retired_at"]


def test_a_key_put_back_in_service_is_current_again(app, anonymous, rotated):
    _publish(app)
    (original,) = _keys(anonymous)
    _publish(rotated)
    _publish(app)
    back = _keys(anonymous)
    assert [(k["key_id"], k["status"]) for k in back][0] == (original["key_id"], "current")
    assert [k["status"] for k in back] == ["current", "retired"]


def test_keys_are_public_and_well_formed(app, anonymous):
    _publish(app)
    (key,) = _keys(anonymous)
    assert key["algorithm"] == "Ed25519"
    assert key["key_id"].startswith("ed25519:") and len(key["key_id"]) == 24
    assert key["retired_at"] is None


def test_listing_the_keys_writes_nothing(app, anonymous, rotated):
    assert _keys(anonymous) == []  # nothing published yet, and listing publishes nothing
    assert _rows(app) == ([], 0)
    _publish(app)
    before = _rows(app)
    assert len(before[0]) == 1
    # the rotated application holds a key not yet published: reading neither publishes it
    # nor retires the published one
    for client in (anonymous, _as(rotated, anonymous)):
        listed = _keys(client)
        assert [(k["key_id"], k["status"]) for k in listed] == [(before[0][0][1], "current")]
    assert _rows(app) == before
