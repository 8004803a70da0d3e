"""Files as scanners and phones make them (only their first bytes matter) and documents kept
through the service."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from lienrx.case_documents import services
from lienrx.case_documents.models import CaseDocument

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(40)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(40)


def upload_body(content: bytes = PDF, filename: str = "scan.pdf", **fields: Any) -> dict:
    """A multipart body for POST /cases/{id}/documents (the file and its form fields)."""
    return {"file": (io.BytesIO(content), filename), **{k: str(v) for k, v in fields.items()}}


def authorization(case_id: int, law_firm_id: int, *, expires_on: date | None = None,
                  content: bytes = PDF) -> CaseDocument:
    """A HIPAA authorization naming ``law_firm_id``, kept by the system."""
    return services.upload(None, case_id, file=content, kind="hipaa_authorization",
                           law_firm_id=law_firm_id, expires_on=expires_on)


BOUNDARY = "lienrx-test-boundary"


def large_upload(content: bytes, **fields: Any) -> dict[str, Any]:
    """Keyword arguments posting a multipart body built in memory (for files over 500 kB: the
    test client would spool them to a temporary file it never closes)."""
    parts = [f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
             .encode() for name, value in fields.items()]
    parts.append(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; '
                 'filename="scan.pdf"\r\n\r\n'.encode() + content + b"\r\n")
    return {"data": b"".join(parts) + f"--{BOUNDARY}--\r\n".encode(),
            "content_type": f"multipart/form-data; boundary={BOUNDARY}"}
