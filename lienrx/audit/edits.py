"""Edits after entry: set the changed fields of a record and audit them without PHI.

Every edit is recorded as ``<thing>.edited`` with ``{fields, reason?, changes}``: ``fields``
names every field that changed; ``changes`` holds ``[old, new]`` only for the fields the caller
names as free of PHI (codes, ids, quantities), so a name, a date of birth or an address never
reaches the audit log, only the fact that it changed.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from lienrx.audit import services as audit
from lienrx.core.actors import Actor
from lienrx.core.schemas import plain_number


def _plain(value: Any) -> Any:
    """A value as the audit details hold it (JSON: dates ISO, decimals as strings)."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return plain_number(value)
    return value


def apply(record: Any, values: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Set ``values`` on ``record``; the fields that changed, each with (old, new)."""
    changed = {}
    for name, new in values.items():
        old = getattr(record, name)
        if old != new:
            changed[name] = (old, new)
            setattr(record, name, new)
    return changed


def record_edit(actor: Actor | None, thing: str, entity_id: int,
                changed: Mapping[str, tuple[Any, Any]], *, phi_free: Collection[str],
                reason: str | None = None, **extra: Any) -> None:
    """Audit an edit as ``<thing>.edited``: every changed field by name, old and new values
    of the ``phi_free`` ones only."""
    details: dict[str, Any] = {
        "fields": sorted(changed),
        "changes": {name: [_plain(old), _plain(new)] for name, (old, new) in changed.items()
                    if name in phi_free},
        **extra}
    if reason:
        details["reason"] = reason
    audit.record(actor, f"{thing}.edited", thing, entity_id, details)
