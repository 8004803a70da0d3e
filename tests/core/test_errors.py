"""API.md errors: problem+json for every /api error, HTML pages elsewhere, no internals."""

import logging

import pytest
from flask import Blueprint

from lienrx import create_app
from tests.conftest import test_settings as settings_for


@pytest.fixture(scope="module")
def boom_client(app, database_url):
    """A second application with routes that fail on purpose."""
    boom = create_app(settings_for(database_url))
    bp = Blueprint("boom", __name__)

    @bp.route("/api/v1/_boom")
    def api_boom():
        raise RuntimeError("secret internals: patient Rivera DOB 1985-03-14")

    @bp.route("/_boom")
    def page_boom():
        raise RuntimeError("secret internals")

    boom.register_blueprint(bp)
    return boom.test_client()


def test_malformed_json_400(api_as):
    response = api_as("billing").post("/api/v1/law-firms", data="{not json",
                                      headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert response.json["type"] == "/problems/bad-request"


def test_json_that_is_not_an_object_400(api_as):
    response = api_as("billing").post("/api/v1/law-firms", json=["a", "list"])
    assert response.status_code == 400
    assert response.json["code"] == "bad_request"


def test_unknown_api_route_404_problem(api_as):
    response = api_as("billing").get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


def test_wrong_method_405_problem(api_as):
    response = api_as("billing").client.delete("/api/v1/law-firms")
    assert response.status_code == 405
    assert response.mimetype == "application/problem+json"


def test_422_lists_errors_per_field(api_as):
    response = api_as("billing").post("/api/v1/law-firms", json={"email": "nope"})
    assert response.status_code == 422
    body = response.json
    assert body["code"] == "validation_failed" and body["status"] == 422
    assert set(body["errors"]) == {"name", "email"}
    assert all(isinstance(v, list) for v in body["errors"].values())


def test_500_is_problem_json_without_internals(boom_client, caplog):
    with caplog.at_level(logging.ERROR):
        response = boom_client.get("/api/v1/_boom")
    assert response.status_code == 500
    assert response.mimetype == "application/problem+json"
    text = response.get_data(as_text=True)
    assert "secret" not in text and "RuntimeError" not in text
    assert response.json["request_id"] == response.headers["X-Request-ID"]
    assert "secret" not in caplog.text and "Rivera" not in caplog.text
    assert "RuntimeError" in caplog.text


def test_html_pages_get_html_errors(boom_client):
    missing = boom_client.get("/no-such-page")
    assert missing.status_code == 404
    assert missing.mimetype == "text/html"
    broken = boom_client.get("/_boom")
    assert broken.status_code == 500 and broken.mimetype == "text/html"
    assert "secret" not in broken.get_data(as_text=True)


def test_anonymous_page_visit_redirects_to_sign_in(client):
    response = client.get("/staff/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/staff/"


def test_security_headers_on_every_response(client):
    response = client.get("/login")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
