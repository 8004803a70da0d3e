"""What a case document may be: its kinds and the file types it is accepted in."""

from __future__ import annotations

LIEN_AGREEMENT = "lien_agreement"
HIPAA_AUTHORIZATION = "hipaa_authorization"
MEDICAL_NECESSITY = "medical_necessity"
OTHER = "other"
KINDS = (LIEN_AGREEMENT, HIPAA_AUTHORIZATION, MEDICAL_NECESSITY, OTHER)
KIND_LABELS = {
    LIEN_AGREEMENT: "Signed lien agreement",
    HIPAA_AUTHORIZATION: "HIPAA authorization",
    MEDICAL_NECESSITY: "Medical-necessity letter",
    OTHER: "Other",
}

# The file types a document is kept in, told by the file's first bytes (never by its name or
# the type the client claims): signature → (content type, file extension).
SIGNATURES = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
)
CONTENT_TYPES = tuple(content_type for _, content_type, _ in SIGNATURES)
EXTENSIONS = {content_type: extension for _, content_type, extension in SIGNATURES}


def sniff(content: bytes) -> str | None:
    """The content type ``content`` starts as (PDF, PNG or JPEG), or None."""
    for signature, content_type, _ in SIGNATURES:
        if content.startswith(signature):
            return content_type
    return None
