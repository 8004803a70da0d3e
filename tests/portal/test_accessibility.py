"""Accessibility rules checked without a browser: labels on every control, colour contrast."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

STATIC = Path(__file__).resolve().parents[2] / "lienrx" / "static"


class Controls(HTMLParser):
    """Collect form controls and the ids that labels point at."""

    def __init__(self) -> None:
        super().__init__()
        self.controls: list[dict[str, str | None]] = []
        self.labelled: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "label" and found.get("for"):
            self.labelled.add(str(found["for"]))
        if tag in ("input", "select", "textarea") and found.get("type") != "hidden":
            self.controls.append(found)


def unlabelled(html: str) -> list[str]:
    parser = Controls()
    parser.feed(html)
    return [str(c.get("name")) for c in parser.controls
            if c.get("id") not in parser.labelled and not c.get("aria-label")]


def test_every_control_on_the_portal_pages_has_a_label(counsel, book):
    for path in ("/portal/", f"/portal/cases/{book.case_id}"):
        html = counsel.get(path).get_data(as_text=True)
        assert "<input" in html or "<select" in html
        assert unlabelled(html) == [], path


def test_every_page_has_one_h1_and_a_skip_link(counsel, book):
    for path in ("/portal/", f"/portal/cases/{book.case_id}"):
        html = counsel.get(path).get_data(as_text=True)
        assert html.count("<h1") == 1 and 'href="#main"' in html


def luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(one: str, two: str) -> float:
    high, low = sorted((luminance(one), luminance(two)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_contrast_helper_knows_black_on_white():
    assert round(contrast("#000000", "#ffffff"), 1) == 21.0


def test_badge_and_text_colours_meet_4_5_to_1():
    css = (STATIC / "portal.css").read_text()
    app_css = (STATIC / "app.css").read_text()
    variables = dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})", app_css))
    pairs = re.findall(r"color:\s*(#[0-9a-fA-F]{6});\s*background:\s*(#[0-9a-fA-F]{6})", css)
    assert len(pairs) >= 5
    for ink, ground in pairs:
        assert contrast(ink, ground) >= 4.5, (ink, ground)
    for name in ("ink", "muted", "accent", "error"):
        for ground in ("#ffffff", variables["bg"]):
            assert contrast(variables[name], ground) >= 4.5, (name, ground)
