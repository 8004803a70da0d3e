"""The API blueprint class: request parsing that reports errors as problem+json."""

from __future__ import annotations

from typing import Any, NoReturn

import flask_smorest
import marshmallow as ma
from webargs import core
from webargs.flaskparser import FlaskParser
from werkzeug.routing import IntegerConverter

from lienrx.core.errors import BadRequest, ValidationFailed

_LOCATIONS = {"json", "query", "querystring", "path", "view_args", "form", "headers"}


class ApiParser(FlaskParser):
    """webargs parser: malformed or non-object JSON is a 400, field errors are a 422."""

    def load_json(self, req: Any, schema: ma.Schema) -> Any:
        data = super().load_json(req, schema)
        if data is not core.missing and not isinstance(data, dict):
            raise BadRequest("The request body must be a JSON object.")
        return data

    def _handle_invalid_json_error(self, error: Any, req: Any, *a: Any, **k: Any) -> NoReturn:
        raise BadRequest("The request body is not valid JSON.")

    def handle_error(self, error: ma.ValidationError, req: Any, schema: ma.Schema, *,
                     error_status_code: int | None, error_headers: Any) -> NoReturn:
        messages: Any = error.messages
        if isinstance(messages, dict) and len(messages) == 1 and set(messages) <= _LOCATIONS:
            messages = next(iter(messages.values()))
        if not isinstance(messages, dict):
            messages = {"_schema": messages}
        raise ValidationFailed(messages)


MAX_ID = 2**31 - 1  # ids are 32-bit integers in the database


class IdConverter(IntegerConverter):
    """``<int:…>`` in URLs: a positive id that fits the database; anything else is a 404."""

    def __init__(self, map: Any, fixed_digits: int = 0, min: int | None = 1,  # noqa: A002
                 max: int | None = MAX_ID, signed: bool = False) -> None:  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


class ApiBlueprint(flask_smorest.Blueprint):
    """A flask-smorest blueprint using :class:`ApiParser`."""

    ARGUMENTS_PARSER = ApiParser()
