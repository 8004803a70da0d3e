"""Documents people keep (POGOS, certificates, letters, reports): one template, two renderings.

A document is an HTML template extending ``documents/base.html``; the same rendered page is
served as HTML and printed to PDF by WeasyPrint, so the two cannot drift. Every PDF embeds its
fonts, subset by HarfBuzz: Noto Sans for Latin, Greek and Cyrillic (Debian ``fonts-noto-core``)
and Noto Sans CJK for Chinese, Japanese and Korean (``fonts-noto-cjk``). The Makefile installs
them with Pango and ``libharfbuzz-subset0`` (without it fontTools subsets the CJK font in seconds).
"""

from __future__ import annotations

import base64
import hashlib
import io
import logging
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from flask import render_template

# WeasyPrint logs each of its seven rendering steps at INFO: noise in the pharmacy's logs.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


@dataclass(frozen=True)
class Rendered:
    """A document rendered to HTML, with the Content-Security-Policy that serves it as is."""

    html: str
    policy: str


@dataclass(frozen=True)
class Attachment:
    """A file carried inside a PDF (PDF/A-3 associated file)."""

    name: str
    content: bytes
    description: str


@cache
def icon() -> str:
    """The LienRx icon as a ``data:`` URL: the one image a document's policy lets a browser
    tab load (PDFs ignore it)."""
    svg = (Path(__file__).resolve().parents[1] / "static" / "favicon.svg").read_bytes()
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


def render(template: str, **context: Any) -> Rendered:
    """Render a document template; its only style is the inline stylesheet the policy allows."""
    css = render_template("documents/base.css")
    extra = render_template(context.pop("stylesheet")) if "stylesheet" in context else ""
    style = css + extra
    page = render_template(template, document_style=style, document_icon=icon(), **context)
    digest = base64.b64encode(hashlib.sha256(style.encode("utf-8")).digest()).decode("ascii")
    policy = (f"default-src 'none'; style-src 'sha256-{digest}'; img-src data:; "
              "frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
    return Rendered(page, policy)


def to_pdf(rendered: Rendered, *, attachments: tuple[Attachment, ...] = ()) -> bytes:
    """Print a rendered document to PDF/A-3b with its fonts embedded and ``attachments`` inside.

    Nothing outside the page is fetched: only ``data:`` URLs load.
    """
    import weasyprint  # imported here: it takes a second to load and only documents need it
    from weasyprint.urls import URLFetcher

    files = [weasyprint.Attachment(string=a.content, name=a.name, description=a.description,
                                   relationship="Source")
             for a in attachments]
    fetcher = URLFetcher(allowed_protocols=("data",))
    document = weasyprint.HTML(string=rendered.html, url_fetcher=fetcher)
    return bytes(document.write_pdf(pdf_variant="pdf/a-3b", attachments=files, hinting=True))


def attachments_of(pdf: bytes) -> dict[str, bytes]:
    """The files embedded in a PDF, by name; empty when ``pdf`` is not a readable PDF."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(pdf))
        return {name: contents[0] for name, contents in reader.attachments.items() if contents}
    except (PyPdfError, ValueError, KeyError, TypeError, OSError):
        return {}
