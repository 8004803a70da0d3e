"""The signing module: canonical bytes, key ids, and a verifier that never raises."""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from lienrx.attestations import signing
from tests.attestations.helpers import canonical

DOCUMENT = {"b": [1, {"z": None, "a": True}], "a": "Zoë — 185.50", "n": 42}


def _key() -> tuple[Ed25519PrivateKey, dict[str, str]]:
    private = Ed25519PrivateKey.generate()
    raw = signing.raw_public_key(private)
    return private, {signing.key_id_for(raw): base64.b64encode(raw).decode()}


def test_canonical_bytes_are_sorted_compact_utf8_as_api_md_says():
    data = signing.canonical_bytes(DOCUMENT)
    assert data == canonical(DOCUMENT)
    assert data.startswith(b'{"a":"Zo\xc3\xab \xe2\x80\x94 185.50","b":[1,{"a":true,"z":null}]')


def test_sha256_is_the_hex_digest_of_the_canonical_bytes():
    assert signing.document_sha256(DOCUMENT) == hashlib.sha256(canonical(DOCUMENT)).hexdigest()


def test_key_id_is_stable_and_names_the_public_key():
    private, _ = _key()
    raw = signing.raw_public_key(private)
    assert signing.key_id_for(raw) == signing.key_id_for(bytes(raw))
    assert signing.key_id_for(raw) == "ed25519:" + hashlib.sha256(raw).hexdigest()[:16]
    assert signing.key_id_for(raw) != signing.key_id_for(signing.raw_public_key(_key()[0]))


def test_signature_made_by_sign_verifies_and_names_its_key():
    private, keys = _key()
    signed = signing.sign(DOCUMENT, private)
    assert signed.key_id in keys
    assert signing.verify(DOCUMENT, signed.signature, signed.key_id, keys)
    private.public_key().verify(base64.b64decode(signed.signature), canonical(DOCUMENT))


def test_a_key_published_under_another_id_vouches_for_nothing():
    private, keys = _key()
    signed = signing.sign(DOCUMENT, private)
    (public,) = keys.values()
    assert not signing.verify(DOCUMENT, signed.signature, "ed25519:ffffffffffffffff",
                              {"ed25519:ffffffffffffffff": public})


SIG = "A" * 86 + "=="  # base64 of 64 bytes: well-formed, wrong


@pytest.mark.parametrize(("document", "signature", "key_id", "public"), [
    (None, SIG, "KID", "KEY"), ([1], SIG, "KID", "KEY"), ("text", SIG, "KID", "KEY"),
    ({"a": 1}, None, "KID", "KEY"), ({"a": 1}, 12, "KID", "KEY"), ({"a": 1}, "%%%", "KID", "KEY"),
    ({"a": 1}, "QUJD", "KID", "KEY"), ({"a": 1}, SIG, None, "KEY"), ({"a": 1}, SIG, 7, "KEY"),
    ({"a": 1}, SIG, "KID", "c2hvcnQ="), ({"a": 1}, SIG, "KID", 5), ({"a": 1}, SIG, "KID", None),
    ({"a": {1, 2}}, SIG, "KID", "KEY"), ({"a": float("nan")}, SIG, "KID", "KEY"),
    ({1.5: object()}, SIG, "KID", "KEY"), ({"a": 1}, SIG, "ed25519:unknown", "KEY"),
])
def test_verify_never_raises_on_garbage(document, signature, key_id, public):
    _, keys = _key()
    (real_id, real_key), = keys.items()
    key_id = real_id if key_id == "KID" else key_id
    published = {real_id: real_key if public == "KEY" else public}
    assert signing.verify(document, signature, key_id, published) is False


def test_verify_survives_absurdly_deep_documents():
    private, keys = _key()
    deep: dict = {}
    node = deep
    for _ in range(5000):
        node["x"] = {}
        node = node["x"]
    (key_id,) = keys
    assert signing.verify(deep, signing.sign(DOCUMENT, private).signature, key_id, keys) is False
