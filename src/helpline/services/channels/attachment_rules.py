"""Which attached files Helpline keeps: documents and pictures a customer sends about a claim (PDF, images,
office documents, plain text), within a size limit. The type is judged by the file's content (magic bytes),
not by the name or the type the sender declared, so an executable called claim.pdf is refused.
"""

import hashlib
from dataclasses import dataclass

ALLOWED_TYPES = frozenset({
    "application/pdf", "image/jpeg", "image/png", "image/gif", "image/tiff", "image/bmp", "image/webp",
    "image/heic", "image/heif", "application/rtf", "text/rtf", "text/plain", "text/csv",
    "application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text", "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation",
})
# Formats with no magic bytes: accepted on the declared type only when the content looks like text.
_TEXT_TYPES = frozenset({"text/plain", "text/csv", "text/rtf", "application/rtf"})
# Office documents are zip or OLE containers; a detector may name the container rather than the document.
_CONTAINERS = {"application/zip": ("application/vnd.openxmlformats-officedocument.", "application/vnd.oasis."),
               "application/x-ole-storage": ("application/msword", "application/vnd.ms-")}


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    content_type: str
    reason: str = ""


def check(declared: str, detected: str | None, content: bytes, max_bytes: int) -> Verdict:
    declared = declared.lower()
    if len(content) > max_bytes:
        return Verdict(False, detected or declared, f"larger than {max_bytes} bytes")
    if detected is None:
        if declared in _TEXT_TYPES and b"\x00" not in content[:65536]:
            return Verdict(True, declared)
        return Verdict(False, declared, f"content type {declared} is not accepted (unrecognised content)")
    if detected in ALLOWED_TYPES:
        return Verdict(True, detected)
    if declared in ALLOWED_TYPES and declared.startswith(_CONTAINERS.get(detected, ())):
        return Verdict(True, declared)
    return Verdict(False, detected, f"content type {detected} is not accepted")


def digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()
