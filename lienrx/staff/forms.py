"""Form plumbing: map posted fields to the API's load schemas and show errors by field.

A page loads its form with the same marshmallow schema the API uses, then calls the same
service. Field errors (marshmallow or ``ValidationFailed``) are kept by dotted field name
(``diagnoses.0.icd10``) to be shown next to the field; a rule's refusal (``Conflict``,
``Forbidden``) is kept whole so the page can say why.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import marshmallow as ma
from flask import request

from lienrx.core import unit_of_work
from lienrx.core.errors import LienRxError, ValidationFailed

MISSING_INT = object()


def flatten(errors: Any, prefix: str = "") -> dict[str, list[str]]:
    """``{"a": {"0": {"b": ["m"]}}}`` → ``{"a.0.b": ["m"]}``; lists of strings stay put."""
    flat: dict[str, list[str]] = {}
    if isinstance(errors, Mapping):
        for key, value in errors.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            for inner, messages in flatten(value, name).items():
                flat.setdefault(inner, []).extend(messages)
    elif isinstance(errors, list | tuple):
        for item in errors:
            for inner, messages in flatten(item, prefix).items():
                flat.setdefault(inner, []).extend(messages)
    else:
        flat[prefix or "_form"] = [str(errors)]
    return flat


def as_int(raw: str) -> int | str:
    """A whole number from a form field, or the text itself for the schema to refuse."""
    return int(raw) if raw.isdigit() and len(raw) < 12 else raw


def read(names: Iterable[str] = (), *, ints: Iterable[str] = (),
         checks: Iterable[str] = (), source: Mapping[str, str] | None = None,
         prefix: str = "") -> dict[str, Any]:
    """Posted fields as a schema's input: blanks left out (missing), ids as integers,
    checkboxes as booleans. ``prefix`` tells apart forms that share a page."""
    form = request.form if source is None else source
    data: dict[str, Any] = {}
    for name in names:
        value = (form.get(prefix + name) or "").strip()
        if value:
            data[name] = value
    for name in ints:
        value = (form.get(prefix + name) or "").strip()
        if value:
            data[name] = as_int(value)
    for name in checks:
        data[name] = form.get(prefix + name) in ("on", "y", "yes", "true", "1")
    return data


class Submission:
    """One form: what was typed, the loaded values, field errors and any refusal."""

    def __init__(self, raw: Mapping[str, Any] | None = None, prefix: str = "") -> None:
        self.raw: dict[str, Any] = dict(raw or {})
        self.prefix = prefix
        self.values: dict[str, Any] | None = None
        self.errors: dict[str, list[str]] = {}
        self.refusal: LienRxError | None = None

    @classmethod
    def load(cls, schema: ma.Schema, data: Mapping[str, Any],
             raw: Mapping[str, Any] | None = None, prefix: str = "") -> Submission:
        """Validate ``data`` with ``schema``; ``raw`` (default: the posted form) is shown back.

        Errors are kept under ``prefix`` + the schema's field name, the name of the input.
        """
        form = cls(request.form.to_dict() if raw is None else raw, prefix)
        try:
            form.values = schema.load(dict(data))
        except ma.ValidationError as exc:
            form.errors = form._keyed(exc.messages)
        return form

    def _keyed(self, errors: Any) -> dict[str, list[str]]:
        return {self.prefix + name: messages for name, messages in flatten(errors).items()}

    @property
    def ok(self) -> bool:
        return self.values is not None and not self.errors and self.refusal is None

    @property
    def status(self) -> int:
        """The HTTP status a page showing this form answers with."""
        if self.refusal is not None:
            return self.refusal.status
        return 422 if self.errors else 200

    def call(self, service: Callable[..., Any], *args: Any, **extra: Any) -> Any:
        """Run ``service(*args, **values, **extra)`` if the form loaded; keep its refusal."""
        if self.values is None or self.errors:
            return None
        return self.attempt(service, *args, **{**self.values, **extra})

    def attempt(self, service: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run a service; a ValidationFailed becomes field errors, other refusals a reason."""
        try:
            return unit_of_work.attempt(service, *args, **kwargs)
        except ValidationFailed as exc:
            self.errors = self._keyed(exc.errors)
        except LienRxError as exc:
            if exc.status >= 500 or exc.status in (401, 404):
                raise
            self.refusal = exc
        return None

    def value(self, name: str, default: Any = "") -> Any:
        """What to show in a field: the typed text, else ``default``."""
        value = self.raw.get(name)
        return default if value is None or value == "" else value

    def errors_for(self, name: str) -> list[str]:
        return self.errors.get(name, [])

    def messages(self) -> list[tuple[str, str]]:
        """Every field error as (field, message), for the summary above the form."""
        return [(name, message) for name, messages in self.errors.items()
                for message in messages]


def blank(**defaults: Any) -> Submission:
    """An empty form, with default values shown in its fields."""
    return Submission(defaults)
