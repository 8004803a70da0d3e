"""API.md second edition: a NUL or an unpaired surrogate anywhere in a request is a 400 or 422;
JSON nested more than 64 levels is a 400. Never a 500, never the value echoed."""

import pytest

from lienrx.core.errors import BadRequest
from lienrx.core.input_guard import MAX_JSON_DEPTH, UNSAFE_MESSAGE, unsafe_fields
from tests.staff.conftest import TOKEN, sign_in

JSON = {"Content-Type": "application/json"}


def raw_post(client, path, body, headers=None):
    return client.post(path, data=body, headers={**JSON, **(headers or {})})


def nested(depth):
    """A verify body whose JSON nests ``depth`` levels in all (the body itself is level 1)."""
    inner = '{"a": ' * (depth - 1) + "1" + "}" * (depth - 1)
    return '{"document": ' + inner + ', "signature": "QUJD", "key_id": "k"}' if depth > 1 \
        else '{"signature": "QUJD", "key_id": "k"}'


def test_nul_in_a_json_field_is_422_naming_the_field(client):
    response = client.post("/api/v1/auth/token", json={"email": "a\u0000@b.example",
                                                       "password": "whatever"})
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert response.json["code"] == "validation_failed"
    assert list(response.json["errors"]) == ["email"]
    assert "\u0000" not in response.get_data(as_text=True)
    assert "b.example" not in response.get_data(as_text=True)


def test_unpaired_surrogate_in_a_json_field_is_422_naming_the_field(client):
    body = '{"document": {"lines": [{"drug": "\\ud800x"}]}, "signature": "QUJD", "key_id": "k"}'
    response = raw_post(client, "/api/v1/attestations/verify", body)
    assert response.status_code == 422
    assert response.json["errors"] == {"document": {"lines": {"0": {"drug": [UNSAFE_MESSAGE]}}}}


def test_unpaired_surrogate_in_a_password_is_422_not_a_500(client):
    response = raw_post(client, "/api/v1/auth/token",
                        '{"email": "a@b.example", "password": "\\udc00secret"}')
    assert response.status_code == 422
    assert list(response.json["errors"]) == ["password"]


def test_unsafe_json_key_is_refused_without_echoing_it(client):
    response = raw_post(client, "/api/v1/attestations/verify",
                        '{"document": {"\\u0000evil": 1}, "signature": "x", "key_id": "k"}')
    assert response.status_code == 422
    assert response.json["errors"] == {"document": {"_schema": [UNSAFE_MESSAGE]}}
    assert "evil" not in response.get_data(as_text=True)


def test_nul_in_a_query_parameter_is_422_naming_it(api_as):
    response = api_as("pharmacist").get("/api/v1/products?code=GABA%00")
    assert response.status_code == 422
    assert list(response.json["errors"]) == ["code"]


def test_nul_in_a_request_header_is_400(api_as, world):
    response = api_as("billing").post(
        f"/api/v1/cases/{world.case_id}/payments",
        json={"amount": "1.00", "received_on": "2024-01-02", "reference": "CHK-1"},
        headers={"Idempotency-Key": "key\x00"})
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"


def test_nul_in_the_path_is_400(client):
    assert client.get("/api/v1/products/%00").status_code == 400


def test_nul_in_the_sign_in_form_is_a_4xx_page(client):
    token = TOKEN.search(client.get("/login").get_data(as_text=True)).group(1)
    response = client.post("/login", data={"email": "a\x00@b.example", "password": "x" * 12,
                                            "csrf_token": token})
    assert response.status_code == 422
    assert response.mimetype == "text/html"
    assert "NUL character" in response.get_data(as_text=True)


def test_nul_in_a_staff_search_is_a_4xx_page(app):
    response = sign_in(app, "billing").get("/staff/cases?q=%00")
    assert response.status_code == 422
    assert "Found in: q" in response.get_data(as_text=True)


def test_json_nested_64_levels_is_read(client):
    response = raw_post(client, "/api/v1/attestations/verify", nested(MAX_JSON_DEPTH))
    assert response.status_code == 200
    assert response.json["valid"] is False


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 2_000, 200_000])
def test_json_nested_more_than_64_levels_is_400(client, depth):
    response = raw_post(client, "/api/v1/attestations/verify", nested(depth))
    assert response.status_code == 400
    assert response.json["detail"] == "The JSON body is nested more than 64 levels deep."


def test_deep_json_array_to_sign_in_is_400(client):
    response = raw_post(client, "/api/v1/auth/token", "[" * 100_000 + "]" * 100_000)
    assert response.status_code == 400


def test_malformed_json_is_still_400(client):
    assert raw_post(client, "/api/v1/auth/token", '{"email": ').status_code == 400
    assert raw_post(client, "/api/v1/auth/token", b"\xff\xfe").status_code == 400


def test_nothing_unsafe_reaches_the_log(client, caplog):
    client.post("/api/v1/auth/token", json={"email": "pat\u0000ient@b.example", "password": "x"})
    assert "ient@b.example" not in caplog.text
    assert "unhandled" not in caplog.text


def test_unsafe_fields_shapes_errors_like_marshmallow():
    errors = unsafe_fields({"ok": "fine", "list": ["a", "b\x00"], "obj": {"k": "\ud800"}})
    assert errors == {"list": {1: [UNSAFE_MESSAGE]}, "obj": {"k": [UNSAFE_MESSAGE]}}
    assert unsafe_fields({"a": [1, 2.5, None, True, "text"]}) == {}


def test_unsafe_fields_refuses_depth_beyond_the_limit():
    value: object = 1
    for _ in range(MAX_JSON_DEPTH):
        value = [value]
    assert unsafe_fields(value) == {}
    with pytest.raises(BadRequest):
        unsafe_fields([value])
