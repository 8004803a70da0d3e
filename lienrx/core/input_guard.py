"""Hostile input stopped at the door: NUL characters, unpaired surrogates, JSON nested too deep.

No text the pharmacy keeps may hold a NUL (PostgreSQL refuses it) or an unpaired surrogate
(it cannot be encoded as UTF-8, so neither stored, hashed nor encrypted). One check, run before
any view, covers every way text reaches the application: the JSON body, the query string,
form fields and upload names, the path and the headers. A JSON body is parsed here once,
refusing more than :data:`MAX_JSON_DEPTH` levels of nesting before the parser's recursion can
fail, and the API's request parser reads that same parse (:func:`request_json`).

Field errors name the field (422, or the page's error); the value itself is never echoed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from flask import g, request
from webargs.flaskparser import is_json_request

from lienrx.core.errors import BadRequest, ValidationFailed

UNSAFE_TEXT = re.compile("[\x00\ud800-\udfff]")
MAX_JSON_DEPTH = 64
MAX_REPORTED = 20  # field errors listed at most; one is enough to refuse
UNSAFE_MESSAGE = "Remove the NUL character or unpaired surrogate: no text may contain one."
TOO_DEEP = f"The JSON body is nested more than {MAX_JSON_DEPTH} levels deep."
_PARSED = "lienrx.input_guard.json"


def is_unsafe(text: str) -> bool:
    """True when ``text`` holds a NUL character or an unpaired surrogate."""
    return UNSAFE_TEXT.search(text) is not None


def _put(errors: dict[Any, Any], path: tuple[Any, ...], message: str) -> None:
    node = errors
    for part in path[:-1]:
        node = node.setdefault(part, {})
    node.setdefault(path[-1], []).append(message)


def unsafe_fields(value: Any) -> dict[Any, Any]:
    """Errors for every string (or key) in a parsed JSON value that holds unsafe text.

    Shaped like marshmallow's (``{"diagnoses": {0: {"icd10": [msg]}}}``); a key that is itself
    unsafe is reported as ``_schema`` of its object, so it is never echoed. Raises
    :class:`BadRequest` when containers nest more than :data:`MAX_JSON_DEPTH` deep.
    """
    errors: dict[Any, Any] = {}
    found = 0
    stack: list[tuple[Any, tuple[Any, ...], int]] = [(value, (), 0)]
    while stack and found < MAX_REPORTED:
        item, path, depth = stack.pop()
        if isinstance(item, str):
            if is_unsafe(item):
                _put(errors, path or ("_schema",), UNSAFE_MESSAGE)
                found += 1
            continue
        if not isinstance(item, dict | list):
            continue
        if depth + 1 > MAX_JSON_DEPTH:
            raise BadRequest(TOO_DEEP)
        pairs: Iterable[tuple[Any, Any]] = item.items() if isinstance(item, dict) \
            else enumerate(item)
        for key, inner in pairs:
            if isinstance(key, str) and is_unsafe(key):
                _put(errors, (*path, "_schema"), UNSAFE_MESSAGE)
                found += 1
                continue
            stack.append((inner, (*path, key), depth + 1))
    return errors


def loads(raw: bytes) -> Any:
    """Parse a JSON body; more than :data:`MAX_JSON_DEPTH` levels of nesting is a 400.

    The C parser guards its own recursion: a body nested deeper than the interpreter's
    recursion limit raises ``RecursionError`` (a 500 if left alone), answered here as too
    deep; anything shallower is parsed, then measured by :func:`unsafe_fields`. Malformed
    JSON raises :class:`json.JSONDecodeError` (bytes that are not UTF-8,
    :class:`UnicodeDecodeError`), as webargs' own parsing does.
    """
    try:
        return json.loads(raw.decode("utf-8"))
    except RecursionError:
        raise BadRequest(TOO_DEEP) from None


def request_json() -> Any:
    """The request's JSON body, parsed once (by :func:`check_request` or here)."""
    if _PARSED not in g:
        setattr(g, _PARSED, loads(request.get_data(cache=True)))
    return getattr(g, _PARSED)


def _check_pairs(pairs: Iterable[tuple[str | None, str]], errors: dict[Any, Any]) -> None:
    for key, value in pairs:
        if key is None:  # a multipart part without a name: nothing reads it
            continue
        if is_unsafe(key):
            errors.setdefault("_schema", [UNSAFE_MESSAGE])
        elif is_unsafe(value):
            errors.setdefault(key, [UNSAFE_MESSAGE])


def _detail(errors: dict[Any, Any]) -> str:
    names = [str(name) for name in errors if name != "_schema"][:5]
    where = f" Found in: {', '.join(names)}." if names else ""
    return "A NUL character or an unpaired surrogate was sent; no text may contain one." + where


def check_request() -> None:
    """Refuse a request carrying unsafe text anywhere the application reads (before views).

    Path and headers → 400; query, form and JSON fields → 422 naming the field.
    """
    if is_unsafe(request.path):
        raise BadRequest("The address contains a NUL character or an unpaired surrogate.")
    for name, value in request.headers.items():
        if is_unsafe(name) or is_unsafe(value):
            raise BadRequest("A request header contains a NUL character.")
    errors: dict[Any, Any] = {}
    _check_pairs(request.args.items(multi=True), errors)
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        _check_pairs(request.form.items(multi=True), errors)
        _check_pairs(((name, upload.filename or "")
                      for name, upload in request.files.items(multi=True)), errors)
        if is_json_request(request):
            try:
                parsed = request_json()
            except (json.JSONDecodeError, UnicodeDecodeError):
                parsed = None  # malformed: the request parser answers 400 for it
            errors.update(unsafe_fields(parsed))
    if errors:
        raise ValidationFailed(errors, _detail(errors))
