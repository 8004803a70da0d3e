"""Fixtures for the staff pages: signed-in browser-like clients (CSRF on) and the browser."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from flask import Flask

from lienrx.extensions import db
from tests import factories
from tests.formulary.factories import load_products

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class StaffClient:
    """A test client signed in through the login form; posts carry the CSRF token."""

    def __init__(self, client: Any, user_id: int) -> None:
        self.client, self.user_id, self._token = client, user_id, None

    def get(self, path: str, **kw: Any) -> Any:
        response = self.client.get(path, **kw)
        found = response.mimetype == "text/html" and TOKEN.search(response.get_data(as_text=True))
        if found:
            self._token = found.group(1)
        return response

    def post(self, path: str, data: dict[str, Any] | None = None, **kw: Any) -> Any:
        if self._token is None:
            self.get("/staff/")
        return self.client.post(path, data={"csrf_token": self._token, **(data or {})}, **kw)


def sign_in(app: Flask, role: str, **fields: Any) -> StaffClient:
    """A new user of ``role`` signed in on a fresh client."""
    with app.app_context():
        user = factories.user(role, **fields)
        db.session.commit()
        email, user_id = user.email, user.id
    client = app.test_client()
    page_html = client.get("/login").get_data(as_text=True)
    token = TOKEN.search(page_html)
    assert token, "no CSRF token on the sign-in page"
    response = client.post("/login", data={"email": email, "password": factories.PASSWORD,
                                            "csrf_token": token.group(1)})
    assert response.status_code == 302, response.get_data(as_text=True)
    return StaffClient(client, user_id)


@pytest.fixture
def staff(app: Flask) -> Any:
    """``staff("billing")`` → a signed-in client for a new user of that role."""
    return lambda role, **fields: sign_in(app, role, **fields)


@pytest.fixture
def products(app: Flask) -> dict[str, int]:
    """The formulary products the flows use, with the DUR rules."""
    with app.app_context():
        ids = load_products("GABA-CAP-300", "KET-CRM-10", "ZOLP-TAB-10", "PREG-CAP-75")
        db.session.commit()
        return ids


def text(response: Any) -> str:
    """The page's text with tags removed and whitespace collapsed."""
    body = html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))
    return " ".join(body.split())
