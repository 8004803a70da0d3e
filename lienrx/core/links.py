"""Absolute links for documents that leave the application (the POGOS "verify at" link).

They are built from ``LIENRX_PUBLIC_URL``, the address people reach the pharmacy at, never
from the request's Host header: a forged Host must not put its own address on a signed
exhibit.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import current_app


def public_url(endpoint: str, **values: Any) -> str:
    """The absolute URL of ``endpoint`` under ``LIENRX_PUBLIC_URL``."""
    base = urlsplit(current_app.config["LIENRX_PUBLIC_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path.rstrip("/") or "/",
                                       url_scheme=base.scheme)
    return adapter.build(endpoint, values, force_external=True)
