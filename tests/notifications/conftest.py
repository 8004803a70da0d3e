"""Fixtures for e-mail notifications: a real SMTP server on 127.0.0.1 and the portal's book."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from tests.portal.conftest import Book, build_book

SENDER = "LienRx <notifications@pharmacy.example>"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Mailbox:
    """An SMTP handler that keeps what it accepts; ``refuse`` makes it answer DATA with that
    reply instead, ``refuse_recipients`` makes it refuse every RCPT TO."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.recipients: list[list[str]] = []
        self.tries = 0
        self.refuse: str | None = None
        self.refuse_recipients: str | None = None

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          options: Any) -> str:
        if self.refuse_recipients:
            return self.refuse_recipients.format(address=address)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.tries += 1
        if self.refuse:
            return self.refuse
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"

    def bodies(self) -> list[str]:
        return [m.get_content() for m in self.messages]


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    """A real SMTP server (aiosmtpd) on a free port of 127.0.0.1, and the box it fills."""
    box, port = Mailbox(), free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield box, port
    controller.stop()


@pytest.fixture
def mail_on(app, mailbox, monkeypatch) -> Mailbox:
    """The application sends through the test server (as LIENRX_SMTP_URL would set it)."""
    box, port = mailbox
    monkeypatch.setitem(app.config, "LIENRX_SMTP_URL", f"smtp://127.0.0.1:{port}")
    monkeypatch.setitem(app.config, "LIENRX_MAIL_FROM", SENDER)
    return box


@pytest.fixture
def book(app, world) -> Book:
    """The world case with two fills, a signed POGOS and another firm's case."""
    return build_book(app, world)
