"""Fixtures for webhooks: a real HTTP receiver on 127.0.0.1 that records what it is sent, and
the portal's book (a firm's case with fills and another firm's case)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from lienrx.extensions import db
from lienrx.webhooks import services as webhooks
from tests import factories
from tests.portal.conftest import Book, build_book


@dataclass
class Received:
    """One request the receiver got."""

    method: str
    path: str
    headers: Message  # looked up case-insensitively, as HTTP header names are
    body: bytes


@dataclass
class Receiver:
    """What the receiver got, and the statuses it answers with next (then 204)."""

    url: str
    requests: list[Received] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)
    delay: float = 0.0  # seconds to wait before answering


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A real HTTP server (http.server) on a free port of 127.0.0.1."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    got = Receiver(url=f"http://127.0.0.1:{server.server_address[1]}/hooks/lienrx")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the http.server hook's name
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            got.requests.append(Received(self.command, self.path, self.headers, body))
            time.sleep(got.delay)
            self.send_response(got.answers.pop(0) if got.answers else 204)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server.RequestHandlerClass = Handler
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield got
    server.shutdown()
    server.server_close()


@pytest.fixture
def book(app, world) -> Book:
    """The world case with two gabapentin fills, a signed POGOS and another firm's case."""
    return build_book(app, world)


@dataclass
class Subscribed:
    id: int
    secret: str


def subscribe(app: Any, firm_id: int, url: str, events: list[str]) -> Subscribed:
    """Register a webhook for the firm, as its billing clerk would."""
    with app.app_context():
        made, secret = webhooks.create(factories.user("billing"), url=url, events=events,
                                       law_firm_id=firm_id)
        db.session.commit()
        return Subscribed(made.id, secret)
