"""The document renderer: one template printed to PDF with every script's glyphs embedded."""

from __future__ import annotations

import base64
import io
from typing import Any

import pytest
from flask import Flask
from jinja2 import ChoiceLoader, DictLoader
from pypdf import PdfReader

from lienrx.core import documents

NAME = "Zoë Ñúñez-山田 Смирнова"
GREEK = "Ελένη Παπαδοπούλου"
PIXEL = ("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42"
         "mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==")
SAMPLE = """{% extends "documents/base.html" %}
{% block title %}{{ heading }}{% endblock %}
{% block foot %}Sample document{% endblock %}
{% block content %}<h1>{{ heading }}</h1><p>{{ body }}</p>
{% if image %}<img src="{{ image }}" alt="">{% endif %}{% endblock %}"""


@pytest.fixture
def sample_template(ctx: Flask) -> Any:
    original = ctx.jinja_env.loader
    ctx.jinja_env.loader = ChoiceLoader([DictLoader({"sample.html": SAMPLE}), original])
    yield "sample.html"
    ctx.jinja_env.loader = original


@pytest.fixture
def sample(sample_template: str) -> documents.Rendered:
    return documents.render(sample_template, heading=NAME, body=GREEK)


def _fonts(pdf: bytes) -> list[dict[str, Any]]:
    found = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            found.append(font.get_object())
    return found


def test_pdf_keeps_every_script_of_a_name(sample: documents.Rendered) -> None:
    text = PdfReader(io.BytesIO(documents.to_pdf(sample))).pages[0].extract_text()
    assert NAME in text
    assert GREEK in text
    assert "?" not in text


def test_pdf_embeds_every_font_it_uses(sample: documents.Rendered) -> None:
    fonts = _fonts(documents.to_pdf(sample))
    assert fonts
    for font in fonts:
        descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
        assert any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))
    names = " ".join(str(font["/BaseFont"]) for font in fonts)
    assert "Noto-Sans" in names and "Noto-Sans-CJK" in names


def test_pdf_is_pdf_a_3_and_carries_its_attachments(sample: documents.Rendered) -> None:
    pdf = documents.to_pdf(sample, attachments=(documents.Attachment(
        "signed.json", b'{"a":1}', "The signed original"),))
    assert documents.attachments_of(pdf) == {"signed.json": b'{"a":1}'}
    metadata = PdfReader(io.BytesIO(pdf)).xmp_metadata
    assert metadata is not None
    assert metadata.get_element("", "http://www.aiim.org/pdfa/ns/id/", "part")


def test_attachments_of_something_not_a_pdf_is_empty() -> None:
    assert documents.attachments_of(b"not a pdf") == {}


def test_a_document_fetches_nothing_outside_the_page(sample_template: str, tmp_path: Any) -> None:
    local = tmp_path / "pixel.png"
    local.write_bytes(base64.b64decode(PIXEL.split(",", 1)[1]))
    for image in (local.as_uri(), PIXEL):
        rendered = documents.render(sample_template, heading="x", body="", image=image)
        page = PdfReader(io.BytesIO(documents.to_pdf(rendered))).pages[0]
        loaded = page["/Resources"].get("/XObject")
        assert bool(loaded) is (image == PIXEL)


def test_the_html_rendering_allows_exactly_its_inline_style(sample: documents.Rendered) -> None:
    assert "style-src 'sha256-" in sample.policy
    assert "default-src 'none'" in sample.policy
    assert NAME in sample.html
