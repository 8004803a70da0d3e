"""The print-ready HTML rendering of an attestation: self-contained, no external assets."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from flask import render_template

from lienrx.attestations import layout
from lienrx.attestations.layout import Seal


def render_attestation(document: dict[str, Any], seal: Seal) -> tuple[str, str]:
    """The page and the Content-Security-Policy that allows exactly its inline stylesheet."""
    css = render_template("attestations/pogos.css")
    digest = base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode("ascii")
    steps = [step.format(json_url=seal.json_url, keys_url=seal.keys_url,
                         verify_url=seal.verify_url).replace("`", "")
             for step in layout.VERIFY_STEPS]
    page = render_template(
        "attestations/pogos.html", doc=document, seal=seal, css=css, steps=steps,
        summary=layout.summary_rows(document), totals=layout.totals_rows(document),
        columns=layout.TIMELINE, exceptions=layout.exception_rows(document),
        exception_headings=layout.EXCEPTION_HEADINGS,
        timeline=list(zip(document["dispense_lines"], layout.timeline_rows(document),
                          strict=True)),
        treatment_label=layout.treatment_label)
    policy = (f"default-src 'none'; style-src 'sha256-{digest}'; img-src data:; "
              "frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
    return page, policy
