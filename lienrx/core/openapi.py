"""The OpenAPI document states the real contract, not only what the view decorators declare.

flask-smorest documents schemas, arguments and paging. This module adds what the request
pipeline around a view does, derived from the view itself, so a new operation is documented
by the decorators it already carries:

- errors are ``application/problem+json`` with the ``Problem`` schema (RFC 9457);
- ``require_roles`` → 401 (and 403 unless every role may call it), no role check → no
  security requirement; a path id → 404; a body → 413; a body or query → 422; every
  operation → 400 (a request that cannot be read); a write → 503 with ``Retry-After``
  (:mod:`lienrx.core.unit_of_work`); a flask-limiter limit → 429 with ``Retry-After``;
- ``@idempotent`` → the ``Idempotency-Key`` header and its 409 codes;
- a file (PDF, workbook, CSV, HTML, ASAP text) → its media type, binary where it is binary;
- every operation → ``operationId`` = its view function's name (unique, stable), and every
  JSON request body → an example.

What a decorator cannot tell — the conflict codes an operation's services answer, hand-written
examples, other refusals — comes from a :class:`Contract`: data, keyed by endpoint.
"""

from __future__ import annotations

import http
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import flask_smorest
import marshmallow as ma
from apispec import APISpec, BasePlugin
from apispec.ext.marshmallow import MarshmallowPlugin
from apispec.ext.marshmallow.common import resolve_schema_cls
from flask import Flask
from flask_limiter.util import get_qualified_name
from werkzeug.routing import Rule

from lienrx.core import errors, idempotency
from lienrx.core.problems import PROBLEM_JSON, PROBLEM_SCHEMA
from lienrx.core.schemas import LoadSchema, Money
from lienrx.core.security import ROLES
from lienrx.core.unit_of_work import RETRY_AFTER_SECONDS
from lienrx.extensions import limiter

# A file operation's media type, when its view does not declare one, by its address's ending.
FILE_SUFFIXES = {".pdf": "application/pdf", ".csv": "text/csv", ".html": "text/html",
                 ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
WRITES = {"post", "put", "patch", "delete"}
PROBLEM = "Problem"
IDEMPOTENCY_PARAMETER = "IdempotencyKey"
RETRY_AFTER = "RetryAfter"
RESERVED_SCHEMA_NAMES = {PROBLEM}


@dataclass(frozen=True)
class Contract:
    """Per-operation facts no decorator states, keyed by endpoint (``blueprint.view``)."""

    conflicts: Mapping[str, tuple[str, ...]]  # the 409 codes the operation's services answer
    conflict_meanings: Mapping[str, str]  # every conflict code → what it means, for clients
    # other refusals: status (one of the generic error statuses, e.g. 401) → why
    responses: Mapping[str, Mapping[int, str]] = field(default_factory=dict)
    examples: Mapping[str, Any] = field(default_factory=dict)  # request bodies, by hand


def schema_name(schema: type[ma.Schema] | ma.Schema) -> str:
    """A schema's component name: its class name without ``Schema``; a name the document
    reserves (``Problem``) is prefixed with the schema's domain (``PdmpProblem``)."""
    cls = resolve_schema_cls(schema)
    cls = cls[0] if isinstance(cls, list) else cls
    name = cls.__name__.removesuffix("Schema") or cls.__name__
    if name in RESERVED_SCHEMA_NAMES:
        domain = cls.__module__.split(".")[1] if cls.__module__.startswith("lienrx.") else ""
        name = domain.title().replace("_", "") + name
    return name


def money_properties(self: Any, field: ma.fields.Field, ret: dict[str, Any],
                     **kwargs: Any) -> dict[str, Any]:
    """apispec attribute function: a :class:`Money` field is a decimal string whose pattern
    is what the API writes (responses) or reads (request bodies and queries)."""
    if not isinstance(field, Money):
        return {}
    if isinstance(field.root, LoadSchema):
        pattern = Money.READ if field.allow_negative else Money.READ_NOT_NEGATIVE
        about = "Dollars as a decimal string with at most two places."
    else:
        pattern, about = Money.WRITTEN, "Dollars as a decimal string with two places."
    return {"type": "string", "format": "decimal", "pattern": pattern, "example": "185.50",
            "description": ret.get("description", about)}


def dict_size_properties(self: Any, field: ma.fields.Field, ret: dict[str, Any],
                         **kwargs: Any) -> dict[str, Any]:
    """apispec attribute function: a length limit on a dict field counts its entries
    (``maxProperties``); apispec writes it as a string's ``maxLength``."""
    if not isinstance(field, ma.fields.Dict):
        return {}
    size = {"minLength": "minProperties", "maxLength": "maxProperties"}
    return {size[key]: ret.pop(key) for key in list(ret) if key in size}


def _problem_example(error: errors.LienRxError | None = None, **body: Any) -> dict[str, Any]:
    if error is not None:
        body = {"status": error.status, "code": error.code, "title": error.title,
                "detail": error.detail, **error.extra, **body}
    return {"type": "/problems/" + body["code"].replace("_", "-"), **body}


@dataclass(frozen=True)
class _Error:
    status: int
    description: str
    example: dict[str, Any]
    headers: tuple[str, ...] = ()


_RETRY_AFTER_HEADER = {"description": "Seconds to wait before sending the request again.",
                       "schema": {"type": "integer", "minimum": 0}}

# The generic error responses, each once in components.responses (by HTTP status name).
_ERRORS = {e.status: e for e in (
    _Error(400, "The request could not be read: the body is not valid JSON or not a JSON "
                "object, nests more than 64 levels, or the address or a header is malformed "
                "(e.g. a blank or over-long `Idempotency-Key`) (`bad_request`).",
           _problem_example(errors.BadRequest("The request body is not valid JSON."))),
    _Error(401, "No credentials, or they are not good (any more) (`unauthenticated`): send "
                "`Authorization: Bearer <token>` from `POST /api/v1/auth/token`, or the "
                "session cookie.",
           _problem_example(errors.Unauthenticated("Sign in or send a bearer token.")),
           ("WWW-Authenticate",)),
    _Error(403, "Signed in, but the caller's role may not do this (`forbidden`).",
           _problem_example(errors.Forbidden("Your account's role may not do this."))),
    _Error(404, "No such record, or one outside the caller's law firm (`not_found`).",
           _problem_example(errors.NotFound("No such case."))),
    _Error(413, "The body is larger than the server accepts (`payload_too_large`).",
           _problem_example(status=413, code="payload_too_large",
                            title="Request Entity Too Large",
                            detail="The request was refused.")),
    _Error(422, "Field validation failed (`validation_failed`): `errors` maps each bad field "
                "to its messages.",
           _problem_example(errors.ValidationFailed(
               {"date_of_birth": ["Must not be in the future."]}),
               errors={"date_of_birth": ["Must not be in the future."]})),
    _Error(429, "Too many attempts (`rate_limited`): wait `Retry-After` seconds.",
           _problem_example(errors.RateLimited(
               "Too many failed sign-ins for this account; try again in 60 seconds.", 60)),
           ("Retry-After",)),
    _Error(503, "The request met a conflicting one and could not finish; nothing was saved "
                "(`temporarily_unavailable`). Send the same request again after "
                "`Retry-After` seconds.",
           _problem_example(errors.ServiceUnavailable(
               "The request met a conflicting one and could not finish; nothing was saved. "
               "Send it again in a moment.", retry_after=RETRY_AFTER_SECONDS)),
           ("Retry-After",)),
)}


def _problem_content(example: dict[str, Any], schema: Any = PROBLEM) -> dict[str, Any]:
    return {PROBLEM_JSON: {"schema": schema, "example": example}}


def _headers(names: tuple[str, ...]) -> dict[str, Any]:
    known = {"Retry-After": RETRY_AFTER,  # the shared component
             "WWW-Authenticate": {"description": 'The scheme to use: `Bearer realm="lienrx"`.',
                                  "schema": {"type": "string"}}}
    return {name: known[name] for name in names}


def _error_response(error: _Error, description: str | None = None) -> dict[str, Any]:
    response: dict[str, Any] = {"description": description or error.description,
                                "content": _problem_content(error.example)}
    if error.headers:
        response["headers"] = _headers(error.headers)
    return response


class LienRxApi(flask_smorest.Api):
    """flask-smorest's Api whose document states the real contract (see the module)."""

    DEFAULT_ERROR_RESPONSE_NAME = None  # each operation lists the errors it can answer

    def __init__(self, app: Flask, contract: Contract) -> None:
        self.contract = contract
        plugin = MarshmallowPlugin(schema_name_resolver=schema_name)
        super().__init__(app, spec_kwargs={
            "marshmallow_plugin": plugin, "extra_plugins": [ContractPlugin(app, contract)]})
        for function in (money_properties, dict_size_properties):
            plugin.converter.add_attribute_function(function)  # type: ignore[union-attr]

    def _register_responses(self) -> None:
        """Every error response is problem+json; unused ones stay out of the document."""
        self.spec.components.schema(PROBLEM, PROBLEM_SCHEMA)
        self.spec.components.header(RETRY_AFTER, _RETRY_AFTER_HEADER)
        for status in http.HTTPStatus:
            if status in _ERRORS:
                response = _error_response(_ERRORS[status])
            elif status >= 400:
                response = {"description": status.phrase, "content": _problem_content(
                    _problem_example(status=int(status), code="error", title=status.phrase,
                                     detail="The request was refused."))}
            else:
                response = {"description": status.phrase}
            self.spec.components.response(status.name, response, lazy=True)


def _ref(status: int) -> str:
    return http.HTTPStatus(status).name


class ContractPlugin(BasePlugin):
    """apispec plugin completing each operation from its view and the :class:`Contract`."""

    def __init__(self, app: Flask, contract: Contract) -> None:
        self.app, self.contract = app, contract
        self.operation_ids: dict[str, str] = {}

    def init_spec(self, spec: APISpec) -> None:
        """Register the shared ``Idempotency-Key`` parameter."""
        super().init_spec(spec)
        self.spec = spec
        spec.components.parameter(IDEMPOTENCY_PARAMETER, "header", {
            "name": idempotency.HEADER, "required": False,
            "description": "Any unique string (e.g. a UUID) naming this request. The same key "
                           "with the same body answers the first response again (header "
                           "`Idempotent-Replayed: true`), posting nothing new; with another "
                           "body it is a 409 `idempotency_key_reused`. Only 2xx responses are "
                           "kept: a refused request may be corrected and sent again under the "
                           "same key.",
            "schema": {"type": "string", "minLength": 1,
                       "maxLength": idempotency.MAX_KEY_LENGTH},
            "example": "7f9c1e0a-3b52-4c1e-9d7a-2f4b8e6a1c55"}, lazy=True)

    def operation_helper(self, path: str | None = None,
                         operations: dict[str, Any] | None = None, **kwargs: Any) -> None:
        """Complete every operation of a Flask rule."""
        rule: Rule | None = kwargs.get("rule")
        if rule is None or not operations:
            return
        view = self.app.view_functions[rule.endpoint]
        for method, operation in operations.items():
            _Operation(self, rule, view, method, operation).complete()


class _Operation:
    """One operation being completed (a helper of :class:`ContractPlugin`)."""

    def __init__(self, plugin: ContractPlugin, rule: Rule, view: Callable[..., Any],
                 method: str, operation: dict[str, Any]) -> None:
        self.plugin, self.rule, self.view = plugin, rule, view
        self.method, self.op = method, operation
        self.endpoint = rule.endpoint
        self.responses: dict[str, Any] = {str(k): v for k, v in
                                          operation.get("responses", {}).items()}

    def complete(self) -> None:
        self._operation_id()
        self._errors()
        self._idempotency_key()
        self._file_responses()
        self._example()
        self.op["responses"] = dict(sorted(self.responses.items()))

    def _operation_id(self) -> None:
        name = self.endpoint.rsplit(".", 1)[-1]
        taken = self.plugin.operation_ids.setdefault(name, self.endpoint)
        if taken != self.endpoint:
            raise RuntimeError(f"operationId {name!r} names both {taken} and {self.endpoint}; "
                               "rename one view function.")
        self.op["operationId"] = name

    def _add(self, status: int, description: str | None = None) -> None:
        key = str(status)
        if description is not None:
            self.responses[key] = _error_response(_ERRORS[status], description)
        elif key not in self.responses or isinstance(self.responses[key], str):
            self.responses[key] = _ref(status)

    def _errors(self) -> None:
        contract = self.plugin.contract
        self._add(400)
        roles = getattr(self.view, "allowed_roles", None)
        if roles is None:
            self.op["security"] = []  # anyone may call it
        else:
            self._add(401)
            if set(roles) != set(ROLES):
                self._add(403)
        if self.rule.arguments:
            self._add(404)
        if "requestBody" in self.op:
            self._add(413)
        if "requestBody" in self.op or any(
                p.get("in") == "query" for p in self.op.get("parameters", [])):
            self._add(422)
        if self.method in WRITES:
            self._add(503)
        limits = self._rate_limits()
        if limits:
            self._add(429, f"{_ERRORS[429].description} Limits: {limits}.")
        for status, description in contract.responses.get(self.endpoint, {}).items():
            self._add(status, description)
        codes = list(contract.conflicts.get(self.endpoint, ()))
        if self._idempotent():
            codes += ["idempotency_key_reused", "idempotency_key_in_progress"]
        if codes:
            self.responses["409"] = self._conflict(codes)

    def _rate_limits(self) -> str:
        with self.plugin.app.app_context():  # a limit may read the application's settings
            limits = limiter.limit_manager.decorated_limits(get_qualified_name(self.view))
            return ", ".join(str(limit.limit) for limit in limits)

    def _conflict(self, codes: list[str]) -> dict[str, Any]:
        meanings = self.plugin.contract.conflict_meanings
        lines = "\n".join(f"- `{code}`: {meanings[code]}" for code in codes)
        schema = {"allOf": [PROBLEM, {"type": "object", "properties": {
            "code": {"type": "string", "enum": codes}}}]}
        meaning = meanings[codes[0]]
        example = _problem_example(errors.Conflict(codes[0], meaning[0].upper() + meaning[1:]))
        return {"description": "A business rule refuses the action; `code` names it:\n"
                               + lines, "content": _problem_content(example, schema)}

    def _idempotent(self) -> bool:
        return bool(getattr(self.view, "honours_idempotency_key", False))

    def _idempotency_key(self) -> None:
        if self._idempotent():
            self.op.setdefault("parameters", []).append(IDEMPOTENCY_PARAMETER)

    def _declared_type(self, status: str) -> str | None:
        declared = getattr(self.view, "_apidoc", {}).get("response", {}).get("responses", {})
        for status_code, docs in declared.items():
            if str(int(status_code)) == status:
                for doc in docs:
                    if isinstance(doc, Mapping) and doc.get("content_type"):
                        return str(doc["content_type"])
        return None

    def _file_responses(self) -> None:
        suffix = next((t for s, t in FILE_SUFFIXES.items() if self.rule.rule.endswith(s)), None)
        successes = [s for s in self.responses if s.startswith("2")]
        if suffix and not successes:
            self.responses["200"] = {"description": "OK"}
            successes = ["200"]
        for status in successes:
            media = self._declared_type(status) or suffix
            response = self.responses[status]
            if media is None or media == "application/json" or not isinstance(response, dict):
                continue
            binary = not media.startswith("text/")
            schema = {"type": "string", "format": "binary"} if binary else {"type": "string"}
            response["content"] = {media: {"schema": schema}}
            if media != "text/html":
                response.setdefault("headers", {})["Content-Disposition"] = {
                    "description": "The file's name (`attachment` or `inline`).",
                    "schema": {"type": "string"}}

    def _example(self) -> None:
        content = self.op.get("requestBody", {}).get("content", {})
        body = content.get("application/json")
        if body is None or "example" in body:
            return
        given = self.plugin.contract.examples.get(self.endpoint)
        body["example"] = given if given is not None else example_of(
            body["schema"], "body", self.plugin.spec.components.schemas)


# What a generated example says for a field of this name (realistic, never real PHI).
SAMPLE_STRINGS = {
    "first_name": "Maria", "last_name": "Lopez", "name": "Cumberland Law Group",
    "email": "intake@cumberland-law.example", "phone": "615-555-0142",
    "address": "200 Commerce St, Nashville, TN 37201", "password": "amber-tractor-violin-42",
    "npi": "1234567893", "dea_number": "FC1234563", "supplier_dea_number": "RC0314654",
    "state_license": "TN-RPH-10442", "specialty": "Pain medicine", "icd10": "S13.4XXA",
    "ndc": "00406-0512-01", "lot_number": "L2611-014", "component": "Ketamine HCl",
    "sig": "Apply 1 g to the affected area three times a day", "indication": "Neck pain",
    "reason": "Entered against the wrong prescription", "note": "Discussed with the patient",
    "narrative": "Compounded topical analgesic dispensed under the lien.", "vendor": "PCCA",
    "reference": "CHK 10442", "invoice_number": "INV-20931", "supplier": "Cardinal Health",
    "facility": "Music City Infusion Center", "protocol": "0.5 mg/kg over 40 minutes",
    "firm_file_number": "CLG-2026-0412", "substance": "Penicillin", "reaction": "Hives",
    "severity": "moderate", "state": "TN", "totp": "123456", "url": "https://law.example/hooks",
    "license_number": "TN-RPH-10442", "method": "Incineration by reverse distributor",
    "ingredient": "gabapentin", "source": "Patient interview", "signature": "c2lnbmF0dXJl",
    "key_id": "ed25519-2026-01", "errors": "Record 3: invalid DEA number",
}
SAMPLE_NUMBERS = {"quantity": 30, "days_supply": 30, "refills_authorized": 2,
                  "weight_kg": 72.5, "height_cm": 170, "creatinine_clearance": 90,
                  "times_per_day": 3, "counted_quantity": 120, "dose_mg_per_day": 900,
                  "amount": 300}
SAMPLE_DATES = {"date_of_birth": "1984-03-02", "expiration_date": "2027-06-30",
                "expires_on": "2027-06-30"}
SAMPLE_DAY = date(2026, 10, 15).isoformat()
SAMPLE_MOMENT = "2026-10-15T14:30:00-05:00"


def example_of(schema: Any, name: str, components: Mapping[str, Any]) -> Any:
    """A realistic example of a JSON schema (of the document): an object's required
    properties (all of them when none is required), the first of an enum, dates in ISO form,
    money as a decimal string, sample text by the field's name."""
    if isinstance(schema, str):
        schema = {"$ref": schema}
    while "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[-1]]
    if "example" in schema:
        return schema["example"]
    if "enum" in schema:
        return next(value for value in schema["enum"] if value is not None)
    for key in ("allOf", "anyOf", "oneOf"):
        if key in schema:
            return example_of(schema[key][0], name, components)
    kind = schema.get("type", "object" if "properties" in schema else None)
    if kind == "object":
        properties = schema.get("properties", {})
        chosen = schema.get("required") or list(properties)
        return {key: example_of(properties[key], key, components) for key in chosen
                if not properties[key].get("readOnly")}
    if kind == "array":
        item = example_of(schema.get("items", {}), name.removesuffix("s"), components)
        return [item] * max(1, schema.get("minItems", 1))
    if kind == "string":
        return _string_example(schema, name)
    if kind in ("integer", "number"):
        return _number_example(schema, name, kind)
    if kind == "boolean":
        return False
    return SAMPLE_STRINGS.get(name, name.replace("_", " "))


def _string_example(schema: Mapping[str, Any], name: str) -> str:
    if schema.get("format") == "date":
        return SAMPLE_DATES.get(name, SAMPLE_DAY)
    if schema.get("format") == "date-time":
        return SAMPLE_MOMENT
    text = SAMPLE_STRINGS.get(name) or next(
        (v for k, v in SAMPLE_STRINGS.items() if name.endswith("_" + k)),
        name.replace("_", " ").capitalize())
    if schema.get("pattern") and not re.search(schema["pattern"], text):
        raise ValueError(f"no sample for {name!r} matches {schema['pattern']!r}; add one to "
                         "SAMPLE_STRINGS or a hand-written example to the contract")
    return text[:schema.get("maxLength", len(text))]


def _number_example(schema: Mapping[str, Any], name: str, kind: str) -> int | float:
    low, high = schema.get("minimum", 1), schema.get("maximum")
    value = 1 if name.endswith("_id") or name == "id" else SAMPLE_NUMBERS.get(name, low)
    value = max(value, low)
    if high is not None:
        value = min(value, high)
    return int(value) if kind == "integer" else value
