"""Marshmallow building blocks: base schemas, money and identifier fields."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

import marshmallow as ma
from marshmallow import fields

from lienrx.core import clock
from lienrx.core.api import MAX_ID
from lienrx.core.money import format_cents, to_cents

# Marshmallow's own messages as someone filling in a form reads them (pages show the API's
# field errors beside each field).
PLAIN_MESSAGES = {
    "Missing data for required field.": "This field is required.",
    "Field may not be null.": "This field is required.",
    "Invalid value.": "This value is not accepted.",
    "Not a valid integer.": "Enter a whole number.",
    "Not a valid number.": "Enter a number.",
    "Number too large.": "Too large.",
    "Special numeric values (nan or infinity) are not permitted.": "Enter a number.",
    "Not a valid date.": "Enter a real date.",
    "Not a valid datetime.": "Enter a real date and time.",
    "Not a valid string.": "Enter text.",
    "Not a valid utf-8 string.": "Enter text.",
    "Not a valid boolean.": "Choose yes or no.",
    "Not a valid email address.": "Enter an e-mail address such as name@example.com.",
    "String does not match expected pattern.": "Not in the expected format.",
}
_ONE_OF = re.compile(r"Must be one of: (.*)\.", re.DOTALL)


def plain_messages(messages: Any) -> Any:
    """Field errors with marshmallow's wording replaced by :data:`PLAIN_MESSAGES`."""
    if isinstance(messages, dict):
        return {key: plain_messages(value) for key, value in messages.items()}
    if isinstance(messages, list):
        return [plain_messages(message) for message in messages]
    if isinstance(messages, str):
        one_of = _ONE_OF.fullmatch(messages)
        return f"Choose one of: {one_of.group(1)}." if one_of else PLAIN_MESSAGES.get(
            messages, messages)
    return messages


class LoadSchema(ma.Schema):
    """Input schema: unknown fields are ignored, so clients may send more than we read;
    errors read plainly (:func:`plain_messages`)."""

    class Meta:
        unknown = ma.EXCLUDE

    def handle_error(self, error: ma.ValidationError, data: Any, *, many: bool,
                     **kwargs: Any) -> None:
        raise ma.ValidationError(plain_messages(error.messages), data=error.data,
                                 valid_data=error.valid_data) from None


class DumpSchema(ma.Schema):
    """Output schema."""


class Money(fields.Field):
    """Integer cents inside, a two-place decimal string outside ("185.50").

    Read: a decimal string with at most two places ("185", "185.5", "185.50"; a JSON
    integer is read as whole dollars too). Written: always two places. The OpenAPI document
    states both patterns (``WRITTEN``; ``READ``, or ``READ_NOT_NEGATIVE`` where negatives are
    refused), and reading refuses any other text (exponents, "+", spaces, digit separators,
    non-ASCII digits), so the documented pattern is exactly what is accepted.
    """

    default_error_messages = {
        "invalid": "Enter an amount in dollars and cents, e.g. 185.50.",
        "negative": "Must not be negative.",
        "too_large": "Too large.",
    }
    MAX_CENTS = 10**13  # $100 billion: far above any lien, far below the database's limit
    WRITTEN = r"^-?\d+\.\d{2}$"
    READ = r"^-?\d+(\.\d{1,2})?$"
    READ_NOT_NEGATIVE = r"^\d+(\.\d{1,2})?$"
    _READ = re.compile(READ, re.ASCII)

    def __init__(self, *, allow_negative: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.allow_negative = allow_negative

    def _serialize(self, value: int | None, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        return None if value is None else format_cents(value)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise self.make_error("invalid")
        if isinstance(value, str) and not self._READ.fullmatch(value):
            raise self.make_error("invalid")
        try:
            cents = to_cents(Decimal(value) if isinstance(value, str) else value)
        except (ValueError, ArithmeticError) as exc:
            raise self.make_error("invalid") from exc
        if cents < 0 and not self.allow_negative:
            raise self.make_error("negative")
        if abs(cents) > self.MAX_CENTS:
            raise self.make_error("too_large")
        return cents


def plain_number(value: Decimal | int | str) -> str:
    """A decimal written without trailing zeros or exponent: Decimal('90.000') → '90'."""
    return format(Decimal(value).normalize(), "f")


class Quantity(fields.Number):  # a Number, so the OpenAPI document says "number"
    """A decimal amount: a JSON number (or numeric string) in, a JSON number out.

    At most three decimal places; never NaN or infinite; positive unless ``allow_zero``.
    """

    num_type = Decimal
    default_error_messages = {
        "invalid": "Enter a number with at most three decimal places.",
        "not_positive": "Must be greater than zero.",
        "too_large": "Too large.",
    }

    def __init__(self, *, allow_zero: bool = False, **kwargs: Any) -> None:
        super().__init__(as_string=False, **kwargs)
        self.allow_zero = allow_zero

    def _serialize(self, value: Decimal | None, attr: str | None, obj: Any, **kw: Any) -> Any:
        if value is None:
            return None
        value = Decimal(value)
        return int(value) if value == value.to_integral_value() else float(value)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kw: Any) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise self.make_error("invalid")
        try:
            amount = Decimal(str(value))
        except InvalidOperation as exc:
            raise self.make_error("invalid") from exc
        if not amount.is_finite():
            raise self.make_error("invalid")
        if amount < 0 or (amount == 0 and not self.allow_zero):
            raise self.make_error("not_positive")
        if amount >= Decimal("1000000000"):  # before quantize, which fails on huge values
            raise self.make_error("too_large")
        if amount != amount.quantize(Decimal("0.001")):
            raise self.make_error("invalid")
        return amount


class TrimmedString(fields.String):
    """A string with surrounding whitespace removed; blank counts as missing when required."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs).strip()
        if not text and self.required:
            raise self.make_error("required")
        return text


def Id(*, strict: bool = True, **kwargs: Any) -> fields.Integer:  # noqa: N802 - a field
    """A reference to another record by id (a positive 32-bit integer).

    Strict in JSON bodies (a number, never "5"); query strings pass ``strict=False``.
    """
    return fields.Integer(strict=strict, validate=ma.validate.Range(min=1, max=MAX_ID), **kwargs)


class PageArgs(LoadSchema):
    """``?page=&page_size=`` pagination (default 50, max 500)."""

    page = fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=1_000_000))
    page_size = fields.Integer(load_default=50, validate=ma.validate.Range(min=1, max=500))


@dataclass(frozen=True)
class DateBounds:
    """The dates a person could mean for one kind of date: from ``earliest`` to today plus
    ``days_ahead`` (pharmacy rules may narrow them further; these keep out the absurd)."""

    earliest: date
    days_ahead: int

    def latest(self) -> date:
        return clock.today() + timedelta(days=self.days_ahead)


# One place for every kind of date the API reads.
DATE_BOUNDS = {
    "birth": DateBounds(date(1900, 1, 1), days_ahead=0),      # a date of birth: not future
    "past": DateBounds(date(1900, 1, 1), days_ahead=0),       # something already seen
    "event": DateBounds(date(1900, 1, 1), days_ahead=366),    # something done or about to be
    "expiry": DateBounds(date(1900, 1, 1), days_ahead=3653),  # an expiration: ≤ 10 years out
}


_BOUND_MESSAGES: dict[str, str | list[Any] | dict[Any, Any]] = {
    "too_early": "Must be on or after {earliest}.",
    "too_late": "Must be on or before {latest}.",
    "in_future": "Must not be in the future.",
}


class _Bounded(fields.Field):
    """A field whose day must fall within the :data:`DATE_BOUNDS` of its ``kind``."""

    default_error_messages = _BOUND_MESSAGES

    def __init__(self, kind: str = "event", **kwargs: Any) -> None:
        if kind not in DATE_BOUNDS:
            raise ValueError(f"unknown date kind {kind!r}")
        super().__init__(**kwargs)
        self.kind = kind

    def check_bounds(self, day: date) -> None:
        bounds = DATE_BOUNDS[self.kind]
        if day < bounds.earliest:
            raise self.make_error("too_early", earliest=bounds.earliest.isoformat())
        latest = bounds.latest()
        if day > latest:
            raise self.make_error("in_future" if bounds.days_ahead == 0 else "too_late",
                                  latest=latest.isoformat())


class BoundedDate(_Bounded, fields.Date):
    """A ``YYYY-MM-DD`` date within the :data:`DATE_BOUNDS` of its ``kind``."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> date:
        day = super()._deserialize(value, attr, data, **kwargs)
        self.check_bounds(day)
        return day


class Timestamp(_Bounded, fields.AwareDateTime):
    """An ISO 8601 timestamp with its offset, within the :data:`DATE_BOUNDS` of ``kind``,
    returned in UTC (so a far date with a large offset is refused, never an overflow)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        moment = super()._deserialize(value, attr, data, **kwargs)
        self.check_bounds(moment.date())  # the date as written, before arithmetic can overflow
        return moment.astimezone(UTC)
