"""A readable page of the API, rendered from the generated OpenAPI document (no CDN)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template

bp = Blueprint("docs", __name__)

_METHODS = ("get", "post", "put", "patch", "delete")


def _operations(spec: dict[str, Any]) -> list[dict[str, Any]]:
    ops = []
    for path, item in spec.get("paths", {}).items():
        for method in _METHODS:
            if method in item:
                op = item[method]
                body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
                ops.append({
                    "method": method.upper(), "path": path,
                    "summary": op.get("summary", ""), "tag": (op.get("tags") or [""])[0],
                    "request": body.get("schema", {}).get("$ref", "").rsplit("/", 1)[-1],
                    "responses": sorted(op.get("responses", {})),
                })
    return ops


@bp.route("/api/v1/docs")
def api_docs() -> Any:
    """The API reference page."""
    spec = current_app.extensions["lienrx.api"].spec.to_dict()
    schemas = spec.get("components", {}).get("schemas", {})
    return render_template("docs/api.html", operations=_operations(spec), schemas=schemas,
                           info=spec.get("info", {}))
