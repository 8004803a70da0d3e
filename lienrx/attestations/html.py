"""The POGOS rendered from its one template (``attestations/pogos.html``): served as HTML with
the Content-Security-Policy that allows its inline stylesheet, and printed to PDF as is."""

from __future__ import annotations

from typing import Any

from lienrx.attestations import layout
from lienrx.attestations.layout import Seal
from lienrx.core import documents

TEMPLATE = "attestations/pogos.html"
STYLESHEET = "attestations/pogos.css"


def rendered_attestation(document: dict[str, Any], seal: Seal) -> documents.Rendered:
    """The signed document rendered from its template (any version of the document)."""
    return documents.render(TEMPLATE, stylesheet=STYLESHEET, **layout.context(document, seal))


def render_attestation(document: dict[str, Any], seal: Seal) -> tuple[str, str]:
    """The print-ready page and the Content-Security-Policy to serve it with."""
    rendered = rendered_attestation(document, seal)
    return rendered.html, rendered.policy
