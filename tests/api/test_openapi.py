"""The OpenAPI document: generated from the schemas, served, fuzzed for server errors."""

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
    case_schema = spec["components"]["schemas"]["Case"]["properties"]
    assert case_schema["balance"] == {"type": "string", "format": "decimal"}


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
