"""The gate on reading a case's PHI: cases call it on every read, another domain supplies it.

The HIPAA gate (lienrx.disclosures) needs the case documents, which need cases; so cases
name the gate here and ``create_app`` installs it. Until it is installed every read of a
case fails loudly: the gate fails closed, never open.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from lienrx.core.actors import Actor


@dataclass(frozen=True)
class ReadGate:
    """``read(actor, case, what)`` lets the read of a case pass (or raises), logging it;
    ``listed(actor, cases)`` gives the ids of listed cases whose client ``actor`` may see."""

    read: Callable[[Actor | None, Any, str], None]
    listed: Callable[[Actor | None, Sequence[Any]], set[int]]


_installed: list[ReadGate] = []


def install(gate: ReadGate) -> None:
    """Put ``gate`` in front of every read of a case (once per process; again replaces it)."""
    _installed[:] = [gate]


def gate() -> ReadGate:
    """The installed gate; without one, no case can be read."""
    if not _installed:
        raise RuntimeError("no case read gate is installed: create_app installs the HIPAA gate")
    return _installed[0]
