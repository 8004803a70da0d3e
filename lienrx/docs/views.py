"""A readable page of the API, rendered from the generated OpenAPI document (no CDN)."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, current_app, render_template

bp = Blueprint("docs", __name__)

_METHODS = ("get", "post", "put", "patch", "delete")


def _resolve(spec: dict[str, Any], item: dict[str, Any]) -> dict[str, Any]:
    """A response or parameter, its ``$ref`` followed into the components."""
    while "$ref" in item:
        _, _, section, name = item["$ref"].split("/")
        item = spec["components"][section][name]
    return item


def _responses(spec: dict[str, Any], op: dict[str, Any]) -> list[dict[str, Any]]:
    """Each response's status, media types and, for a 409, the conflict codes it names."""
    found = []
    for status, response in sorted(op.get("responses", {}).items()):
        response = _resolve(spec, response)
        media: dict[str, Any] = next(iter(response.get("content", {}).values()), {})
        parts: list[dict[str, Any]] = media.get("schema", {}).get("allOf", [])
        codes: list[str] = next((part["properties"]["code"]["enum"] for part in parts
                                 if "code" in part.get("properties", {})), [])
        found.append({"status": status, "media": sorted(response.get("content", {})),
                      "codes": codes})
    return found


def _operations(spec: dict[str, Any]) -> list[dict[str, Any]]:
    ops = []
    for path, item in spec.get("paths", {}).items():
        for method in _METHODS:
            if method in item:
                op = item[method]
                body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
                parameters = [_resolve(spec, p) for p in op.get("parameters", [])]
                headers = [p["name"] for p in parameters if p["in"] == "header"]
                ops.append({
                    "method": method.upper(), "path": path, "id": op.get("operationId", ""),
                    "summary": op.get("summary", ""), "tag": (op.get("tags") or [""])[0],
                    "request": body.get("schema", {}).get("$ref", "").rsplit("/", 1)[-1],
                    "example": json.dumps(body["example"], indent=2) if "example" in body
                    else "",
                    "headers": headers, "responses": _responses(spec, op),
                    "public": op.get("security") == [],
                })
    return ops


@bp.route("/api/v1/docs")
def api_docs() -> Any:
    """The API reference page."""
    spec = current_app.extensions["lienrx.api"].spec.to_dict()
    schemas = spec.get("components", {}).get("schemas", {})
    return render_template("docs/api.html", operations=_operations(spec), schemas=schemas,
                           info=spec.get("info", {}))
