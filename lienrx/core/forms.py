"""HTML forms: posted fields loaded by the API's marshmallow schemas, errors shown by label.

Every page form (staff pages, the attorney portal, sign-in) goes through this one path: the
posted fields are read into a schema's input, loaded by the same schema the API uses, then
passed to the same service. Flask-WTF's ``CSRFProtect`` guards every POST; nothing here
validates a token. Field errors (marshmallow or ``ValidationFailed``) are kept by input name
(``diagnoses.0.icd10``) to be shown next to the field, and named by the field's label (the
schema field's ``metadata["label"]``) in the summary above the form; a rule's refusal
(``Conflict``, ``Forbidden``) is kept whole so the page can say why.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

import marshmallow as ma
from flask import request
from marshmallow import fields

from lienrx.core import clock, unit_of_work
from lienrx.core.errors import LienRxError, ValidationFailed
from lienrx.core.schemas import Money

MISSING_INT = object()
FORM_WIDE = ("_form", "_schema")
# "$25,000.00", "$ 1 250", "-$5.00": a dollar amount as people type it.
_TYPED_MONEY = re.compile(r"-?\s*\$?[\d\s,]*(\.\d*)?")


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


def plain_money(raw: str) -> str:
    """A typed dollar amount as the Money field reads it: ``"$25,000.00"`` → ``"25000.00"``.

    Text that does not look like an amount is returned as typed, for the schema to refuse.
    """
    if not _TYPED_MONEY.fullmatch(raw.strip()):
        return raw
    return re.sub(r"[\s$,]", "", raw)


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


def local_moment(raw: str) -> str:
    """A ``datetime-local`` input (the pharmacy's wall clock) as an ISO moment with its
    offset; text that is no date is returned for the schema to refuse."""
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        return raw
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=clock.timezone())
    return moment.isoformat()


def _is_money(field: fields.Field) -> bool:
    return isinstance(field, Money) or bool(field.metadata.get("money"))


def _inner_schema(field: fields.Field) -> ma.Schema | None:
    """The schema of a nested field or of a list of nested records."""
    if isinstance(field, fields.List):
        field = field.inner
    return field.schema if isinstance(field, fields.Nested) else None


def _by_key(schema: ma.Schema) -> dict[str, fields.Field]:
    return {field.data_key or name: field for name, field in schema.fields.items()}


def typed_money(schema: ma.Schema, data: Mapping[str, Any]) -> dict[str, Any]:
    """``data`` with the money fields' text made plain (``$``, commas and spaces dropped)."""
    found = _by_key(schema)
    clean: dict[str, Any] = {}
    for key, value in data.items():
        field = found.get(key)
        inner = _inner_schema(field) if field is not None else None
        if field is not None and isinstance(value, str) and _is_money(field):
            value = plain_money(value)
        elif inner is not None and isinstance(value, list):
            value = [typed_money(inner, v) if isinstance(v, Mapping) else v for v in value]
        elif inner is not None and isinstance(value, Mapping):
            value = typed_money(inner, value)
        clean[key] = value
    return clean


def humanize(name: str) -> str:
    """A last resort label from an input name: ``date_of_birth`` → ``Date of birth``."""
    words = name.replace("_", " ").replace("-", " ").strip()
    return words[:1].upper() + words[1:] if words else "This form"


def label_for(schema: ma.Schema | None, name: str) -> str:
    """The label of a (dotted) field: ``diagnoses.0.icd10`` → ``Diagnosis 1 ICD-10 code``.

    Taken from each schema field's ``metadata["label"]`` (a list's rows from
    ``metadata["item_label"]``); a field the schema does not describe is named from its
    input name, words not underscores.
    """
    words: list[str] = []
    parts = name.split(".")
    current = schema
    i = 0
    while i < len(parts):
        part = parts[i]
        field = _by_key(current).get(part) if current is not None else None
        if field is None:
            words.append(humanize(part) if not words else part.replace("_", " "))
            i += 1
            continue
        if i + 1 < len(parts) and parts[i + 1].isdigit():
            item = field.metadata.get("item_label") or field.metadata.get("label")
            words.append(f"{item or humanize(part)} {int(parts[i + 1]) + 1}")
            i += 2
        else:
            words.append(field.metadata.get("label") or humanize(part))
            i += 1
        current = _inner_schema(field)
    return " ".join(words)


class Submission:
    """One form: what was typed, the loaded values, field errors and any refusal."""

    def __init__(self, raw: Mapping[str, Any] | None = None, prefix: str = "",
                 schema: ma.Schema | None = None) -> None:
        self.raw: dict[str, Any] = dict(raw or {})
        self.prefix = prefix
        self.schema = schema
        self.values: dict[str, Any] | None = None
        self.errors: dict[str, list[str]] = {}
        self.refusal: LienRxError | None = None

    @classmethod
    def load(cls, schema: ma.Schema, data: Mapping[str, Any],
             raw: Mapping[str, Any] | None = None, prefix: str = "") -> Submission:
        """Validate ``data`` with ``schema``; ``raw`` (default: the posted form) is shown back.

        Every field's errors are kept at once, under ``prefix`` + the schema's field name,
        the name of the input. Money may be typed as people write it (``$25,000.00``).
        """
        form = cls(request.form.to_dict() if raw is None else raw, prefix, schema)
        try:
            form.values = schema.load(typed_money(schema, data))
        except ma.ValidationError as exc:
            form.errors = form._keyed(exc.messages)
        return form

    def _keyed(self, errors: Any) -> dict[str, list[str]]:
        return {(name if name in FORM_WIDE else self.prefix + name): messages
                for name, messages in flatten(errors).items()}

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

    def refuse(self, name: str, message: str) -> None:
        """Add an error the page found itself (not the schema or a service)."""
        self.errors.setdefault(name, []).append(message)

    def value(self, name: str, default: Any = "") -> Any:
        """What to show in a field: the typed text, else ``default``."""
        value = self.raw.get(name)
        return default if value is None or value == "" else value

    def errors_for(self, name: str) -> list[str]:
        return self.errors.get(name, [])

    def label(self, name: str) -> str:
        """The label of the input ``name`` (prefix and all), as the error summary says it."""
        bare = name[len(self.prefix):] if self.prefix and name.startswith(self.prefix) else name
        return label_for(self.schema, bare)

    def hint(self, name: str) -> str | None:
        """The schema field's ``metadata["hint"]``: how to fill the field in, shown under it."""
        bare = name[len(self.prefix):] if self.prefix and name.startswith(self.prefix) else name
        field = _by_key(self.schema).get(bare) if self.schema is not None else None
        return field.metadata.get("hint") if field is not None else None

    def messages(self) -> list[tuple[str, str]]:
        """Every error as (input name, "Label: message"), for the summary above the form.

        Form-wide errors (not about one field) have no label; their name is empty.
        """
        found: list[tuple[str, str]] = []
        for name, messages in self.errors.items():
            for message in messages:
                if name in FORM_WIDE:
                    found.append(("", message))
                else:
                    found.append((name, f"{self.label(name)}: {message}"))
        return found


def blank(schema: ma.Schema | None = None, /, **defaults: Any) -> Submission:
    """An empty form, with default values shown in its fields (labels from ``schema``)."""
    return Submission(defaults, schema=schema)
