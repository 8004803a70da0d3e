"""Browser fixtures: a live server and one real Chromium (Debian's package, via Playwright)."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def whole_files(app: Any) -> Any:
    """``app`` answering every request in full, read and closed before it is sent: a static
    file is never a 304 (whose send_file leaves the opened file for the garbage collector),
    and a browser that drops a connection mid-file leaves no file open either (either would
    be a ResourceWarning landing on whichever test runs next)."""
    def serve(environ: dict[str, Any], start_response: Any) -> Any:
        for header in ("HTTP_IF_MODIFIED_SINCE", "HTTP_IF_NONE_MATCH"):
            environ.pop(header, None)
        answer = app(environ, start_response)
        try:
            return [b"".join(answer)]
        finally:
            if hasattr(answer, "close"):
                answer.close()
    return serve


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
