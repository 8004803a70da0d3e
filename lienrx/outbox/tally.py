"""What one delivery pass of the outbox did, per channel."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Tally:
    """Messages sent, left to retry, and given up in one pass."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0

    def __bool__(self) -> bool:
        return bool(self.sent or self.retrying or self.failed)

    def __str__(self) -> str:
        return f"{self.sent} sent, {self.retrying} to retry, {self.failed} failed"
