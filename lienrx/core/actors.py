"""Who acts: the typed shape every service receives as ``actor``."""

from __future__ import annotations

from typing import Protocol


class Actor(Protocol):
    """A signed-in person acting on the system (the ``User`` model satisfies it structurally).

    Services take ``actor: Actor``, or ``actor: Actor | None`` where the system itself (the CLI,
    the seeds, a key rotation) may act with no person behind it.
    """

    @property
    def id(self) -> int: ...

    @property
    def role(self) -> str: ...

    @property
    def law_firm_id(self) -> int | None: ...

    @property
    def name(self) -> str: ...

    @property
    def email(self) -> str: ...


class Signer(Actor, Protocol):
    """An actor who signs documents under a professional license (a pharmacist's POGOS)."""

    @property
    def license_number(self) -> str | None: ...


def actor_id(actor: Actor | None) -> int | None:
    """The acting user's id, or None when the system acts."""
    return actor.id if actor is not None else None
