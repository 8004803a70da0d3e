"""The API blueprint class: request parsing that reports errors as problem+json."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, NoReturn, TypeVar, cast

import flask_smorest
import marshmallow as ma
from flask import jsonify
from flask_login import current_user
from flask_smorest.utils import resolve_schema_instance, unpack_tuple_response
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request
from werkzeug.routing import IntegerConverter

from lienrx.core import input_guard
from lienrx.core.errors import BadRequest, ValidationFailed
from lienrx.core.security import ATTORNEY

F = TypeVar("F", bound=Callable[..., Any])

_LOCATIONS = {"json", "query", "querystring", "path", "view_args", "form", "headers"}


class ApiParser(FlaskParser):
    """webargs parser: malformed or non-object JSON is a 400, field errors are a 422.

    The JSON body is the one :mod:`lienrx.core.input_guard` parsed and checked (nesting
    depth, NUL characters, unpaired surrogates) before the view ran.
    """

    def _raw_load_json(self, req: Any) -> Any:
        if not is_json_request(req):
            return core.missing
        return input_guard.request_json()

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


TOTAL_COUNT_HEADER = "X-Total-Count"


class ApiBlueprint(flask_smorest.Blueprint):
    """A flask-smorest blueprint using :class:`ApiParser`.

    Lists page with ``@blp.paginate()`` (``?page=&page_size=``, default 50, max 500): the
    response stays a JSON array, and the total is reported twice, in flask-smorest's
    ``X-Pagination`` header (total, pages, neighbours) and as a plain ``X-Total-Count``.
    """

    ARGUMENTS_PARSER = ApiParser()
    PAGINATION_ARGUMENTS_PARSER = ApiParser()  # a bad page or page_size is a 422 problem
    DEFAULT_PAGINATION_PARAMETERS = {"page": 1, "page_size": 50, "max_page_size": 500}

    def _set_pagination_metadata(self, page_params: Any, result: Any,
                                 headers: Any) -> tuple[Any, Any]:
        result, headers = super()._set_pagination_metadata(page_params, result, headers)
        headers[TOTAL_COUNT_HEADER] = str(page_params.item_count)
        return result, headers

    def role_response(self, status_code: int, staff: ma.Schema | type[ma.Schema], *,
                      attorney: ma.Schema | type[ma.Schema]) -> Callable[[F], F]:
        """Like ``@blp.response``, dumping with ``attorney`` for an attorney, ``staff`` else.

        Attorney-facing schemas carry no internal fields (staff user ids, batch and lot
        details, DUR and label internals, audit timestamps); :func:`schema_for` is the one
        place that chooses. The OpenAPI document shows both shapes (``anyOf``: the
        attorney's is a subset of the staff's).
        """
        staff_schema, attorney_schema = resolve_schema_instance(staff), \
            resolve_schema_instance(attorney)
        shape: dict[str, Any] = {"anyOf": [type(staff_schema), type(attorney_schema)]}
        if staff_schema.many:
            shape = {"type": "array", "items": shape}
        doc = {"responses": {status_code: {"content": {"application/json": {"schema": shape}}}}}

        def decorator(func: F) -> F:
            @wraps(func)
            def by_role(*args: Any, **kwargs: Any) -> Any:
                result = func(*args, **kwargs)
                chosen = schema_for(staff_schema, attorney_schema)
                if chosen is staff_schema:
                    return result
                body, status, headers = unpack_tuple_response(result)
                return jsonify(chosen.dump(body)), status or status_code, headers

            described = self.response(status_code, staff_schema, description=(
                "Staff get the first shape; attorneys the second, without internal fields."))
            return cast(F, self.doc(**doc)(described(by_role)))

        return decorator

    def _document_pagination_metadata(self, spec: Any, resp_doc: dict[str, Any]) -> None:
        super()._document_pagination_metadata(spec, resp_doc)
        resp_doc["headers"][TOTAL_COUNT_HEADER] = {
            "description": "How many items the whole list holds, across every page.",
            "schema": {"type": "integer", "minimum": 0}}


def schema_for(staff: ma.Schema, attorney: ma.Schema) -> ma.Schema:
    """The dump schema for the caller: the attorney-facing one for an attorney."""
    return attorney if getattr(current_user, "role", None) == ATTORNEY else staff


def paged(page: Any, pagination_parameters: Any, items: Any = None) -> list[Any]:
    """Report a :class:`lienrx.core.paging.Page`'s total to ``@blp.paginate()`` and return
    what to dump: ``items`` (the page's rows as read models) or the page's own items."""
    pagination_parameters.item_count = page.total
    return list(page.items if items is None else items)

