"""The OpenAPI document: generated from the schemas, served, fuzzed for server errors."""

import json

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings

from lienrx.extensions import db
from tests import factories

FUZZ_ROLES = ("admin", "pharmacist", "technician", "billing", "attorney")


def test_openapi_document_is_served_and_complete(client):
    spec = client.get("/api/v1/openapi.json").json
    assert spec["openapi"].startswith("3.")
    paths = spec["paths"]
    for path in ("/api/v1/auth/token", "/api/v1/me", "/api/v1/users", "/api/v1/law-firms",
                 "/api/v1/patients", "/api/v1/patients/{patient_id}", "/api/v1/prescribers",
                 "/api/v1/cases", "/api/v1/cases/{case_id}",
                 "/api/v1/cases/{case_id}/lien-agreements",
                 "/api/v1/cases/{case_id}/external-treatments",
                 "/api/v1/cases/{case_id}/transfer"):
        assert path in paths, path
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    balance = spec["components"]["schemas"]["Case"]["properties"]["balance"]
    assert (balance["type"], balance["pattern"]) == ("string", r"^-?\d+\.\d{2}$")


def test_docs_page_lists_every_operation(client):
    html = client.get("/api/v1/docs").get_data(as_text=True)
    spec = client.get("/api/v1/openapi.json").json
    for path in spec["paths"]:
        assert path in html
    assert "cdn" not in html.lower()


@pytest.fixture
def fuzz_tokens(app):
    """A bearer token per role, plus a case so some generated ids exist."""
    with app.app_context():
        firm = factories.law_firm()
        factories.case(firm)
        tokens = {role: factories.token(factories.user(role, firm_id=firm.id
                                                        if role == "attorney" else None))
                  for role in FUZZ_ROLES}
        db.session.commit()
        return tokens


def test_no_documented_operation_answers_5xx(app, fuzz_tokens):
    """Every role, every documented operation, generated input: never a server error."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    # Operations that end credentials (sign-out, deactivation) run last, so the fuzzing
    # tokens reach every other operation.
    operations = sorted((result.ok() for result in schema.get_all_operations()),
                        key=lambda op: op.path.endswith(("/logout", "/deactivate")))
    assert len(operations) >= 15
    failures = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=8, deadline=None, derandomize=True, database=None,
                  phases=[Phase.explicit, Phase.generate],
                  suppress_health_check=list(HealthCheck))
        def fuzz(case):
            for role, token in fuzz_tokens.items():
                response = case.call(headers={"Authorization": f"Bearer {token}"})
                assert response.status_code < 500, (
                    role, case.method, case.formatted_path, response.status_code,
                    response.text[:300])

        try:
            fuzz()
        except AssertionError as failure:
            failures.append(str(failure).splitlines()[0])
    assert failures == []


NUL, SURROGATE = "a\u0000b", "a\ud800b"


def _resolve(spec, item):
    """A schema, parameter or response, its ``$ref`` followed into the components."""
    while "$ref" in item:
        _, _, section, name = item["$ref"].split("/")
        item = spec["components"][section][name]
    return item


def _string_fields(spec, schema):
    """The names of the body's string fields (top level) and one nested object, if any."""
    props = _resolve(spec, schema).get("properties", {})
    strings = [name for name, prop in props.items() if _resolve(spec, prop).get("type") == "string"]
    return strings or list(props) or ["field"]


def _parameters(spec, shared, operation):
    return [_resolve(spec, p) for p in [*shared, *operation.get("parameters", [])]]


def _hostile_requests(spec):
    """For every documented operation: each string field or query parameter carrying a NUL
    or an unpaired surrogate, and a body nested far deeper than 64 levels."""
    for path, item in spec["paths"].items():
        url = "/api/v1" + path.removeprefix("/api/v1")
        methods = {k: v for k, v in item.items() if k != "parameters"}
        shared = item.get("parameters", [])
        for name in {p["name"] for m in methods.values() for p in _parameters(spec, shared, m)
                     if p["in"] == "path"}:
            url = url.replace("{" + name + "}", "1")
        for method, operation in methods.items():
            for param in _parameters(spec, shared, operation):
                if param["in"] == "query":
                    yield method, f"{url}?{param['name']}=x%00y", None
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" not in content:
                continue
            fields = _string_fields(spec, content["application/json"]["schema"])
            for text in (NUL, SURROGATE):
                # json.dumps escapes both (\u0000, \ud800): valid JSON, hostile text
                yield method, url, json.dumps({name: text for name in fields})
            yield method, url, '{"x": ' + "[" * 5_000 + "]" * 5_000 + "}"


def test_no_operation_answers_5xx_to_nul_surrogate_or_deep_json(client, fuzz_tokens):
    """NUL, unpaired surrogates and deep JSON in every operation's strings and query
    parameters: a 400 or 422 for every role (and no role), never a server error."""
    spec = client.get("/api/v1/openapi.json").json
    cases = list(_hostile_requests(spec))
    assert len(cases) >= 40
    failures = []
    for token in (None, fuzz_tokens["pharmacist"], fuzz_tokens["billing"]):
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        for method, url, body in cases:
            response = client.open(url, method=method.upper(), data=body, headers=headers)
            if response.status_code not in (400, 422):
                failures.append((method, url, (body or "")[:40], response.status_code))
    assert failures == []
