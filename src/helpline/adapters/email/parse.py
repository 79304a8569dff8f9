"""Raw e-mail bytes -> what intake needs. Never raises: whatever is broken (MIME structure, charsets, headers,
size) is flagged and parsing goes on with what can be read; the raw bytes stay in the inbox regardless.

Flags: malformed_mime, charset_fallback, bad_header, too_large, text_truncated, no_text.
"""

import base64
import email
import re
from dataclasses import dataclass, field
from datetime import datetime
from email.header import Header, decode_header
from email.message import Message
from email.utils import getaddresses, parsedate_to_datetime

import filetype

from helpline.adapters.email import charsets
from helpline.adapters.email.html_text import html_to_text

MSG_ID = re.compile(r"<[^<>\s]+>")
DEFAULT_MAX_BYTES = 25 * 1024 * 1024
DEFAULT_MAX_TEXT = 64 * 1024  # characters of body text handed to intake


@dataclass
class ParsedAttachment:
    filename: str
    declared_type: str
    detected_type: str | None  # from the content's magic bytes; None when nothing is recognised (plain text)
    content: bytes

    @property
    def size(self) -> int:
        return len(self.content)


@dataclass
class ParsedEmail:
    message: Message  # the parsed tree, for loop detection (headers, report parts)
    from_address: str | None = None
    from_name: str = ""
    to: list[str] = field(default_factory=list)
    subject: str = ""
    message_id: str | None = None
    in_reply_to: str | None = None
    references: list[str] = field(default_factory=list)
    date: datetime | None = None
    language: str | None = None
    text: str = ""
    attachments: list[ParsedAttachment] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)

    def flag(self, name: str) -> None:
        if name not in self.flags:
            self.flags.append(name)


def parse_email(raw: bytes, max_bytes: int = DEFAULT_MAX_BYTES, max_text: int = DEFAULT_MAX_TEXT) -> ParsedEmail:
    too_large = len(raw) > max_bytes
    # compat32 is the lenient policy: it keeps broken headers as text instead of raising when they are read.
    message = email.message_from_bytes(raw[:max_bytes] if too_large else raw)
    parsed = ParsedEmail(message=message)
    if too_large:
        parsed.flag("too_large")  # the body is cut; attachments stay only in the raw message
    try:
        _read_headers(parsed, message)
        _read_body(parsed, message, keep_attachments=not too_large, max_text=max_text)
    except Exception:  # a structure the library chokes on: keep what was read, the raw is stored anyway
        parsed.flag("malformed_mime")
    parsed.language = _language(message, parsed.text)
    return parsed


def header_text(message: Message, name: str, parsed: ParsedEmail | None = None) -> str:
    """A header decoded: RFC 2047 encoded words, or raw 8-bit bytes in whatever charset fits."""
    value = message.get(name)
    if value is None:
        return ""
    try:
        # compat32 hands raw 8-bit headers over as Header objects (charset unknown-8bit) holding the bytes
        chunks = decode_header(value if isinstance(value, Header) else str(value))
    except Exception:
        if parsed is not None:
            parsed.flag("bad_header")
        chunks = [(str(value), None)]
    text = []
    for chunk, charset in chunks:
        # compat32 keeps raw 8-bit header bytes as surrogates: this gets those bytes back for charset guessing
        data = chunk if isinstance(chunk, bytes) else chunk.encode("utf-8", "surrogateescape")
        decoded, fallback = charsets.decode(data, charset)
        if fallback and parsed is not None:
            parsed.flag("charset_fallback")
        text.append(decoded)
    # decode_header keeps the spaces of plain chunks and drops those between encoded words (RFC 2047 6.2)
    return " ".join("".join(text).split())


def message_ids(value: str) -> list[str]:
    return MSG_ID.findall(value or "")


def _read_headers(parsed: ParsedEmail, message: Message) -> None:
    name, address = _address(header_text(message, "From", parsed))
    parsed.from_name, parsed.from_address = name, address
    if message.get("From") is not None and address is None:
        parsed.flag("bad_header")
    parsed.to = [a for _, a in getaddresses([header_text(message, "To", parsed), header_text(message, "Cc", parsed)])
                 if "@" in a]
    parsed.subject = header_text(message, "Subject", parsed)[:300]
    ids = message_ids(str(message.get("Message-ID", "")))
    parsed.message_id = ids[0] if ids else None
    replied = message_ids(str(message.get("In-Reply-To", "")))
    parsed.in_reply_to = replied[-1] if replied else None
    parsed.references = message_ids(str(message.get("References", "")))
    try:
        date = message.get("Date")
        parsed.date = parsedate_to_datetime(str(date)) if date else None
    except (TypeError, ValueError, IndexError):
        parsed.flag("bad_header")


def _address(value: str) -> tuple[str, str | None]:
    pairs = getaddresses([value]) if value else []
    for name, address in pairs:
        address = address.strip().lower()
        if re.fullmatch(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+", address):
            return name.strip(), address
    return "", None


def _read_body(parsed: ParsedEmail, message: Message, keep_attachments: bool, max_text: int) -> None:
    if message.defects:
        parsed.flag("malformed_mime")
    plain: list[str] = []
    html: list[str] = []
    for part in _leaves(message, parsed):
        if _is_attachment(part):
            if keep_attachments:
                parsed.attachments.append(_attachment(part, len(parsed.attachments) + 1))
            continue
        content_type = part.get_content_type()
        if content_type in ("text/plain", "text/html"):
            text, fallback = charsets.decode(_payload(part, parsed), part.get_content_charset())
            if fallback:
                parsed.flag("charset_fallback")
            (plain if content_type == "text/plain" else html).append(text)
    text = "\n\n".join(t.strip() for t in plain) if plain else "\n\n".join(html_to_text(h) for h in html)
    if not text.strip():
        parsed.flag("no_text")
    if len(text) > max_text:
        parsed.flag("text_truncated")
        text = text[:max_text]
    parsed.text = text.strip()


def _leaves(part: Message, parsed: ParsedEmail) -> list[Message]:
    """The non-multipart parts in order, not descending into attached messages (a forwarded e-mail or a
    bounce's copy is an attachment, not the body)."""
    if part.defects:
        parsed.flag("malformed_mime")
    payload = part.get_payload()
    if part.is_multipart() and part.get_content_maintype() == "multipart" and isinstance(payload, list):
        return [leaf for child in payload if isinstance(child, Message) for leaf in _leaves(child, parsed)]
    return [part]


def _is_attachment(part: Message) -> bool:
    disposition = str(part.get("Content-Disposition", "")).split(";")[0].strip().lower()
    if disposition == "attachment" or part.get_filename():
        return True
    return part.get_content_maintype() not in ("text",)  # inline images, application/*, message/*


def _payload(part: Message, parsed: ParsedEmail) -> bytes:
    if part.is_multipart():  # a message/rfc822 part: its bytes as they were
        return part.as_bytes()
    if str(part.get("Content-Transfer-Encoding", "")).strip().lower() == "base64":
        return _base64_prefix(part, parsed)
    data = part.get_payload(decode=True)
    if part.defects:  # broken quoted-printable: decoded as far as possible
        parsed.flag("malformed_mime")
    return data if isinstance(data, bytes) else b""


def _base64_prefix(part: Message, parsed: ParsedEmail) -> bytes:
    """Base64 decoded up to its last whole quantum: the standard library hands back the undecoded text when a
    part was cut (a message over the size limit) at a length of 4n + 1."""
    payload = part.get_payload()
    encoded = re.sub(rb"[^A-Za-z0-9+/=]", b"", payload.encode("ascii", "ignore") if isinstance(payload, str) else b"")
    whole = len(encoded) - len(encoded) % 4
    if whole != len(encoded):
        parsed.flag("malformed_mime")
    return base64.b64decode(encoded[:whole])


def _attachment(part: Message, number: int) -> ParsedAttachment:
    try:
        name = part.get_filename()
    except Exception:
        name = None
    if name and "=?" in name:  # RFC 2047 words inside a parameter: wrong, but what many clients send
        name = header_text(_single("Name", name), "Name")
    content = _payload(part, ParsedEmail(message=part))
    declared = part.get_content_type()
    filename = _safe_filename(name or f"attachment-{number}{_extension(declared)}")
    return ParsedAttachment(filename=filename, declared_type=declared, detected_type=filetype.guess_mime(content),
                            content=content)


def _single(name: str, value: str) -> Message:
    holder = Message()
    holder[name] = value
    return holder


def _safe_filename(name: str) -> str:
    """The base name only, without path separators or control characters (it becomes a download name)."""
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(c for c in name if c.isprintable()).strip(" .") or "attachment"
    return name[:255]


def _extension(content_type: str) -> str:
    return {"message/rfc822": ".eml", "text/plain": ".txt", "text/html": ".html", "application/pdf": ".pdf",
            "image/jpeg": ".jpg", "image/png": ".png"}.get(content_type, ".bin")


def _language(message: Message, text: str) -> str | None:
    declared = str(message.get("Content-Language", "")).strip().lower()[:2]
    if declared.isalpha() and len(declared) == 2:
        return declared
    sample = text[:2000]
    cyrillic = sum(1 for c in sample if "\u0400" <= c <= "\u04ff")
    hanzi = sum(1 for c in sample if "\u4e00" <= c <= "\u9fff")
    latin = sum(1 for c in sample if c.isascii() and c.isalpha())
    if hanzi >= 5 and hanzi * 2 >= latin:
        return "zh"
    if cyrillic >= 10 and cyrillic >= latin:
        return "uk" if any(c in sample for c in "іїєґІЇЄҐ") else "ru"
    return "en" if latin >= 20 else None
