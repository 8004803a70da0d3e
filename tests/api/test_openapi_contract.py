"""The served OpenAPI document states the real contract: problem+json errors, every error an
operation can answer, Idempotency-Key, file media types, operationIds, examples, money."""

import ast
import re
from decimal import Decimal
from pathlib import Path

import marshmallow as ma
import pytest
from hypothesis import given
from hypothesis import strategies as st
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate

from lienrx.core.problems import PROBLEM_JSON
from lienrx.core.schemas import Money
from lienrx.docs.contract import CONFLICT_MEANINGS, CONFLICTS, EXAMPLES, RESPONSES

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
METHODS = ("get", "post", "put", "patch", "delete")
# Conflict codes raised only by pages and commands (two-step sign-in set-up, PDMP SFTP sends).
NOT_OVER_THE_API = {"totp_already_enrolled", "totp_not_pending", "totp_not_enrolled",
                    "pdmp_sftp_failed", "pdmp_sftp_not_configured"}
PACKAGE = Path(__file__).resolve().parents[2] / "lienrx"


@pytest.fixture(scope="module")
def spec(app):
    return app.test_client().get("/api/v1/openapi.json").json


def operations(spec):
    for path, item in spec["paths"].items():
        for method in METHODS:
            if method in item:
                yield method, path, item[method]


def resolve(spec, item):
    while "$ref" in item:
        _, _, section, name = item["$ref"].split("/")
        item = spec["components"][section][name]
    return item


def response(spec, path, method, status):
    return resolve(spec, spec["paths"][path][method]["responses"][str(status)])


def parameters(spec, path, method):
    item = spec["paths"][path]
    return [resolve(spec, p) for p in [*item.get("parameters", []),
                                       *item[method].get("parameters", [])]]


def conforms(spec, schema, instance):
    """Whether ``instance`` fits ``schema`` (OpenAPI 3.0 semantics, refs into the document)."""
    validator = OAS30Validator({"components": spec["components"], "allOf": [schema]})
    return [e.message for e in validator.iter_errors(instance)]


def test_the_served_document_is_valid_openapi_3(spec):
    assert spec["openapi"].startswith("3.")
    validate(spec)


def test_problem_is_rfc_9457_and_the_framework_error_schema_is_gone(spec):
    schemas = spec["components"]["schemas"]
    problem = schemas["Problem"]
    assert {"type", "title", "status", "detail", "instance", "code", "errors",
            "matches"} <= set(problem["properties"])
    assert problem["properties"]["matches"]["items"]["properties"]["id"]["type"] == "integer"
    assert "Error" not in schemas
    assert "PdmpProblem" in schemas  # the PDMP report's own problem lines keep their schema


def test_every_error_response_of_every_operation_is_problem_json(spec):
    for method, path, op in operations(spec):
        for status, answer in op["responses"].items():
            if int(status) < 400:
                continue
            content = resolve(spec, answer)["content"]
            assert list(content) == [PROBLEM_JSON], (method, path, status)
            schema = content[PROBLEM_JSON]["schema"]
            assert schema == {"$ref": "#/components/schemas/Problem"} or \
                schema["allOf"][0] == {"$ref": "#/components/schemas/Problem"}
            assert not conforms(spec, schema, content[PROBLEM_JSON]["example"]), (path, status)


def test_real_refusals_fit_the_documented_problem_schema(spec, api_as, anonymous, world):
    pharmacist, attorney = api_as("pharmacist"), api_as("attorney", world.firm_id)
    patient = {"first_name": "Ana", "last_name": "Reyes", "date_of_birth": "1990-05-01"}
    assert pharmacist.post("/api/v1/patients", json=patient).status_code == 201
    refusals = {
        401: anonymous.get("/api/v1/me"),
        403: attorney.get("/api/v1/products"),
        404: pharmacist.get("/api/v1/patients/2147483647"),
        400: pharmacist.post("/api/v1/patients", data="{nope",
                             headers={"Content-Type": "application/json"}),
        422: pharmacist.post("/api/v1/cases", json={"diagnoses": [{"icd10": 5}]}),
        409: pharmacist.post("/api/v1/patients", json=patient),
    }
    problem = {"$ref": "#/components/schemas/Problem"}
    for status, answer in refusals.items():
        assert (answer.status_code, answer.mimetype) == (status, PROBLEM_JSON), answer.json
        assert not conforms(spec, problem, answer.json), (status, answer.json)
    assert refusals[409].json["matches"][0]["id"] > 0
    assert refusals[422].json["errors"]["diagnoses"]


def test_a_dispense_documents_its_idempotency_key_conflicts_and_field_errors(spec):
    op = spec["paths"]["/api/v1/dispenses"]["post"]
    assert op["operationId"] == "create_dispense"
    assert "Idempotency-Key" in [p["name"] for p in parameters(spec, "/api/v1/dispenses", "post")]
    assert {"400", "401", "403", "409", "413", "422", "503"} <= set(op["responses"])
    codes = op["responses"]["409"]["content"][PROBLEM_JSON]["schema"]["allOf"][1]
    assert {"refills_exhausted", "dur_unresolved", "lien_not_active",
            "idempotency_key_reused"} <= set(codes["properties"]["code"]["enum"])
    assert "`refill_too_soon`" in op["responses"]["409"]["description"]
    assert "404" not in op["responses"]  # no id in its path; unknown ids in the body are 422


def test_the_reduction_response_documents_its_body_refusals_and_thread(spec):
    path = "/api/v1/reduction-requests/{reduction_request_id}/respond"
    op = spec["paths"][path]["post"]
    assert op["operationId"] == "respond"
    assert {"403", "404", "409", "422"} <= set(op["responses"])
    codes = op["responses"]["409"]["content"][PROBLEM_JSON]["schema"]["allOf"][1]
    assert "invalid_transition" in codes["properties"]["code"]["enum"]
    body = op["requestBody"]["content"]["application/json"]
    assert body["example"] == EXAMPLES["reduction_requests_api.respond"]
    assert "Idempotency-Key" not in [p["name"] for p in parameters(spec, path, "post")]
    answered = resolve(spec, response(spec, path, "post", 200)["content"]["application/json"]
                       ["schema"])
    assert {"status", "waiting_on", "steps"} <= set(answered["properties"])
    step = resolve(spec, answered["properties"]["steps"]["items"])
    assert {"side", "action", "amount", "at", "user_id", "note"} <= set(step["properties"])


def test_errors_follow_the_role_check_the_path_id_and_the_method(spec):
    me = spec["paths"]["/api/v1/me"]["get"]["responses"]
    assert "401" in me and "403" not in me  # every role may read itself
    keys = spec["paths"]["/api/v1/attestation-keys"]["get"]
    assert spec["paths"]["/api/v1/attestation-keys"]["get"]["security"] == []
    assert "401" not in keys["responses"] and "403" not in keys["responses"]
    case = spec["paths"]["/api/v1/cases/{case_id}"]["get"]["responses"]
    assert {"401", "403", "404"} <= set(case) and "503" not in case and "422" not in case
    listing = spec["paths"]["/api/v1/cases"]["get"]["responses"]
    assert "422" in listing and "404" not in listing  # query arguments, no path id
    resume = spec["paths"]["/api/v1/cases/{case_id}/resume"]["post"]["responses"]
    assert "413" not in resume and "422" not in resume  # no body
    for method, path, op in operations(spec):
        assert "400" in op["responses"], (method, path)
        if method != "get":
            unavailable = response(spec, path, method, 503)
            assert "Retry-After" in unavailable["headers"], path


def test_sign_in_documents_bad_credentials_and_its_rate_limit(spec):
    token = spec["paths"]["/api/v1/auth/token"]["post"]
    assert token["security"] == []
    assert token["responses"]["401"]["description"] == RESPONSES["auth_api.issue_token"][401]
    limited = token["responses"]["429"]
    assert "Retry-After" in limited["headers"] and "10 per 1 minute" in limited["description"]


def test_idempotency_key_is_documented_on_the_money_moving_posts_only(spec):
    honoured = {path for method, path, _ in operations(spec)
                if "Idempotency-Key" in [p["name"] for p in parameters(spec, path, method)]}
    assert honoured == {"/api/v1/dispenses", "/api/v1/cases/{case_id}/payments",
                        "/api/v1/cases/{case_id}/reductions",
                        "/api/v1/cases/{case_id}/write-offs"}
    key = next(p for p in parameters(spec, "/api/v1/dispenses", "post")
               if p["name"] == "Idempotency-Key")
    assert (key["in"], key["required"], key["schema"]["maxLength"]) == ("header", False, 200)


@pytest.mark.parametrize(("path", "media", "binary"), [
    ("/api/v1/reconciliations.xlsx", XLSX, True),
    ("/api/v1/inventory/report.xlsx", XLSX, True),
    ("/api/v1/reports/aging.xlsx", XLSX, True),
    ("/api/v1/inventory/report.pdf", "application/pdf", True),
    ("/api/v1/cases/{case_id}/release-letter.pdf", "application/pdf", True),
    ("/api/v1/cases/{case_id}/release-letter.html", "text/html", False),
    ("/api/v1/attestations/{attestation_id}.pdf", "application/pdf", True),
    ("/api/v1/pdmp/reports/{report_id}/file", "text/plain", False),
])
def test_file_responses_carry_their_media_type(spec, path, media, binary):
    content = response(spec, path, "get", 200)["content"]
    assert list(content) == [media]
    assert (content[media]["schema"].get("format") == "binary") is binary


def test_the_workbook_is_served_as_documented(spec, api_as):
    answer = api_as("billing").get("/api/v1/reconciliations.xlsx")
    documented = response(spec, "/api/v1/reconciliations.xlsx", "get", 200)["content"]
    assert answer.status_code == 200 and answer.mimetype in documented


def test_every_operation_has_a_unique_operation_id_named_after_its_view(app, spec):
    ids = [op["operationId"] for _, _, op in operations(spec)]
    assert len(ids) == len(set(ids))
    views = {rule.endpoint.rsplit(".", 1)[-1] for rule in app.url_map.iter_rules()}
    assert set(ids) <= views
    assert spec["paths"]["/api/v1/cases/{case_id}/reductions"]["post"]["operationId"] == \
        "reduce_lien"


def test_every_request_body_has_an_example_that_fits_its_schema(spec):
    for method, path, op in operations(spec):
        body = op.get("requestBody", {}).get("content", {}).get("application/json")
        if body is None:
            continue
        assert "example" in body, (method, path)
        assert not conforms(spec, body["schema"], body["example"]), (method, path)


def test_the_key_bodies_have_hand_written_examples(spec):
    for path, endpoint in {
            "/api/v1/patients": "parties_api.create_patient",
            "/api/v1/prescriptions": "prescribing_api.create_prescription",
            "/api/v1/dispenses": "dispensing_api.create_dispense",
            "/api/v1/cases/{case_id}/settlement": "settlement_api.record_settlement",
            "/api/v1/cases/{case_id}/reductions": "settlement_api.reduce_lien"}.items():
        body = spec["paths"][path]["post"]["requestBody"]["content"]["application/json"]
        assert body["example"] == EXAMPLES[endpoint]


def test_the_patient_example_registers_a_patient(spec, api_as):
    body = spec["paths"]["/api/v1/patients"]["post"]["requestBody"]["content"]
    answer = api_as("pharmacist").post("/api/v1/patients",
                                       json=body["application/json"]["example"])
    assert answer.status_code == 201, answer.json


def _money_properties(spec):
    for name, schema in spec["components"]["schemas"].items():
        for field, prop in schema.get("properties", {}).items():
            if prop.get("format") == "decimal":
                yield name, field, prop


def test_money_is_a_string_with_the_pattern_the_api_writes_or_reads(spec):
    found = {(name, field): prop["pattern"] for name, field, prop in _money_properties(spec)}
    assert found[("Case", "balance")] == found[("LedgerLine", "amount")] == Money.WRITTEN
    assert found[("PaymentCreate", "amount")] == Money.READ_NOT_NEGATIVE
    assert all(p in (Money.WRITTEN, Money.READ, Money.READ_NOT_NEGATIVE)
               for p in found.values())
    preview = {p["name"]: p["schema"] for p in
               parameters(spec, "/api/v1/cases/{case_id}/settlement-preview", "get")}
    assert preview["gross"]["pattern"] == Money.READ_NOT_NEGATIVE


def ecma_search(pattern, text):
    """A document pattern as OpenAPI reads it (ECMA-262: ``\\d`` is ASCII, ``$`` ends it)."""
    return re.search(pattern.replace("$", r"\Z"), text, re.ASCII)


@given(st.integers(min_value=-Money.MAX_CENTS, max_value=Money.MAX_CENTS))
def test_every_amount_the_api_writes_matches_the_written_pattern(cents):
    assert ecma_search(Money.WRITTEN, Money()._serialize(cents, None, None))


@given(st.from_regex(r"\A-?[0-9]{1,11}(\.[0-9]{1,2})?\Z"))
def test_every_amount_matching_the_read_pattern_is_accepted(text):
    assert ecma_search(Money.READ, text)
    assert Money(allow_negative=True).deserialize(text) == int(Decimal(text) * 100)


@pytest.mark.parametrize("text", ["1e2", "+5", " 5", "5 ", "1_000", "5.000", "5.", ".5",
                                  "185.50\n", "\u0661\u0662\u0663", "$5"])
def test_amounts_outside_the_read_pattern_are_refused(text):
    assert not ecma_search(Money.READ, text)
    with pytest.raises(ma.ValidationError):
        Money(allow_negative=True).deserialize(text)


def _raised_conflict_codes():
    """Every code a ``Conflict(...)`` in the package names (DurUnresolved names its own)."""
    codes = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Call) and getattr(node.func, "id", getattr(
                    node.func, "attr", None)) in ("Conflict", "__init__") and node.args
                    and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)
                    and re.fullmatch(r"[a-z_]+", node.args[0].value)):
                codes.add(node.args[0].value)
    return codes


def test_every_conflict_code_a_service_raises_is_documented(spec):
    raised = _raised_conflict_codes()
    assert "dur_unresolved" in raised and "possible_duplicate_patient" in raised
    documented = set(CONFLICT_MEANINGS)
    assert raised - NOT_OVER_THE_API == documented  # none missing, none stale
    listed = {code for codes in CONFLICTS.values() for code in codes}
    assert documented - listed == {"idempotency_key_reused", "idempotency_key_in_progress"}


def test_the_contract_names_only_real_endpoints(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    for table in (CONFLICTS, RESPONSES, EXAMPLES):
        assert set(table) <= endpoints, set(table) - endpoints


def test_the_reference_page_shows_operation_ids_conflict_codes_and_examples(client):
    html = client.get("/api/v1/docs").get_data(as_text=True)
    for text in ("create_dispense", "refills_exhausted", "Idempotency-Key",
                 "application/problem+json", "&#34;gross_amount&#34;: &#34;85000.00&#34;"):
        assert text in html, text

