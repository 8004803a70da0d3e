"""Browser fixtures: a live server and one real Chromium (Debian's package, via Playwright)."""

from __future__ import annotations

import mimetypes
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


_in_flight = 0  # requests the live server is answering
_idle = threading.Condition()


def whole_files(app: Any) -> Any:
    """``app`` answering each request whole (read and closed before it is sent), counting
    the requests in flight so a test's end can wait for them (:func:`close_pages`).

    Static files are read here: Flask's send_file leaves the opened file to the response's
    close(), which the threaded development server skips when an answer has no body or the
    browser drops the connection (a ResourceWarning landing on whichever test runs next).
    """
    static = Path(app.static_folder or "").resolve()

    def answer(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        path = environ.get("PATH_INFO", "")
        if not path.startswith("/static/"):
            body = app(environ, start_response)
            try:
                return [b"".join(body)]
            finally:
                if hasattr(body, "close"):
                    body.close()
        target = (static / path.removeprefix("/static/")).resolve()
        if not target.is_file() or static not in target.parents:
            start_response("404 Not Found", [("Content-Length", "0")])
            return [b""]
        data = target.read_bytes()
        kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        start_response("200 OK", [("Content-Type", kind), ("Content-Length", str(len(data))),
                                  ("Cache-Control", "no-store")])
        return [data]

    def serve(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        global _in_flight
        with _idle:
            _in_flight += 1
        try:
            return answer(environ, start_response)
        finally:
            with _idle:
                _in_flight -= 1
                _idle.notify_all()
    return serve


def close_pages(browser: Any) -> None:
    """After a browser test: close every page it opened (a page left open would go on
    polling, e.g. the work queue's refresh, into later tests) and wait for the live server
    to finish what it was answering, before the database is reset."""
    for context in list(browser.contexts):
        context.close()
    with _idle:
        _idle.wait_for(lambda: _in_flight == 0, timeout=30)


@pytest.fixture(autouse=True)
def _test_writes_wait_their_turn(request: pytest.FixtureRequest) -> Iterator[None]:
    """While a browser test runs, a write the test itself makes (a step of a flow, between
    page loads) begins SQLite's transaction IMMEDIATE, as the server's requests do: begun
    deferred, it could read a snapshot that a page's request (an audited read, a refreshing
    list) then writes past, and fail at once with "database is locked" instead of waiting.
    Browser tests only hold app contexts in short ``with`` blocks, so no read sits on the lock."""
    if "live_server" not in request.fixturenames:
        yield
        return
    app = request.getfixturevalue("app")
    app.config["SQLITE_IMMEDIATE_OUTSIDE_REQUESTS"] = True
    try:
        yield
    finally:
        app.config["SQLITE_IMMEDIATE_OUTSIDE_REQUESTS"] = False


@pytest.fixture(scope="session")
def live_server(app: Any) -> Iterator[str]:
    """The test application served on a free localhost port for the browser."""
    server = make_server("127.0.0.1", 0, whole_files(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI") == "true":
            pytest.fail("Debian's chromium is missing; `make test` installs it")
        pytest.skip("Debian's chromium is not installed (make browser-deps)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-background-networking",
                  "--disable-gpu", "--no-first-run", "--disable-component-update",
                  "--disable-sync"])
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context()
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
