"""The POGOS as a PDF/A-3 exhibit: the HTML rendering printed by WeasyPrint, carrying the signed
attestation inside it, so the file alone can be verified."""

from __future__ import annotations

import json
from typing import Any

from lienrx.attestations.html import rendered_attestation
from lienrx.attestations.layout import Seal
from lienrx.core import documents


def signed_attachment(seal: Seal) -> documents.Attachment:
    """The attestation object as the API returns it, as UTF-8 JSON."""
    body = json.dumps(seal.signed, ensure_ascii=False, sort_keys=True, indent=2)
    return documents.Attachment(
        name=seal.attachment_name, content=body.encode("utf-8"),
        description=f"Signed POGOS attestation, case {seal.case_id}, version {seal.version}")


def render_attestation(document: dict[str, Any], seal: Seal) -> bytes:
    """The POGOS exhibit: the same page as the HTML, with the signed JSON attached."""
    return documents.to_pdf(rendered_attestation(document, seal),
                            attachments=(signed_attachment(seal),))
