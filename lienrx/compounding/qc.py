"""A master formulation's QC checks applied to one batch: limits scaled to the batch size,
results read, missing ones named, numeric ones judged against their range (SPEC §7.4)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from lienrx.core.errors import ValidationFailed
from lienrx.core.schemas import plain_number

MAX_TEXT = 300


def numeric(check: Mapping[str, Any]) -> bool:
    """Whether the check is judged on a number (it states a min and/or a max)."""
    return check.get("min") is not None or check.get("max") is not None


def limits(check: Mapping[str, Any], scale: Decimal) -> tuple[Decimal | None, Decimal | None]:
    """The check's (min, max) for a batch ``scale`` times the formula's batch quantity."""
    factor = scale if check.get("scales_with_batch") else Decimal(1)
    return tuple(  # type: ignore[return-value]
        None if check.get(k) is None else Decimal(check[k]) * factor for k in ("min", "max"))


def _shown(value: Decimal) -> str:
    return plain_number(value.quantize(Decimal("0.001")))


def spec(check: Mapping[str, Any], scale: Decimal) -> str:
    """What the check expects, in words: ``95–105 g`` or the expected text (or both)."""
    parts = [check["expected"]] if check.get("expected") else []
    if numeric(check):
        low, high = limits(check, scale)
        unit = f" {check['unit']}" if check.get("unit") else ""
        if low is not None and high is not None:
            parts.append(f"{_shown(low)}–{_shown(high)}{unit}")
        elif low is not None:
            parts.append(f"at least {_shown(low)}{unit}")
        elif high is not None:
            parts.append(f"at most {_shown(high)}{unit}")
    return "; ".join(parts)


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def read(checks: Sequence[Mapping[str, Any]], results: Mapping[str, Any]) -> dict[str, str]:
    """Results as stored: each named by one of ``checks``, a plain decimal string for a
    numeric check, else trimmed text. Anything else → 422 on ``qc_results.<name>``."""
    by_name = {c["name"]: c for c in checks}
    errors: dict[str, list[str]] = {}
    stored: dict[str, str] = {}
    for name, value in results.items():
        check = by_name.get(name)
        if check is None:
            known = ", ".join(by_name) or "none"
            errors[name] = [f"Not a QC check of this formulation (its checks: {known})."]
        elif numeric(check):
            number = _number(value)
            if number is None:
                errors[name] = [f"A number{' in ' + check['unit'] if check.get('unit') else ''}."]
            else:
                stored[name] = plain_number(number)
        elif not isinstance(value, str | int | float) or isinstance(value, bool) or \
                not str(value).strip() or len(str(value)) > MAX_TEXT:
            errors[name] = [f"Describe the result (at most {MAX_TEXT} characters)."]
        else:
            stored[name] = str(value).strip()
    if errors:
        raise ValidationFailed({"qc_results": errors})
    return stored


def missing(checks: Sequence[Mapping[str, Any]], results: Mapping[str, str]) -> list[str]:
    """The names of the checks without a result."""
    return [c["name"] for c in checks if c["name"] not in results]


def out_of_spec(checks: Sequence[Mapping[str, Any]], results: Mapping[str, str],
                scale: Decimal) -> list[dict[str, Any]]:
    """Each numeric result outside its range: ``{name, result, min, max, unit, spec}``."""
    found = []
    for check in checks:
        if not numeric(check) or check["name"] not in results:
            continue
        result = Decimal(results[check["name"]])
        low, high = limits(check, scale)
        if (low is not None and result < low) or (high is not None and result > high):
            found.append({"name": check["name"], "result": results[check["name"]],
                          "min": None if low is None else _shown(low),
                          "max": None if high is None else _shown(high),
                          "unit": check.get("unit"), "spec": spec(check, scale)})
    return found
