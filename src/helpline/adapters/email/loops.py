"""Mail that must never be answered automatically: bounces, auto-replies, list traffic and our own messages.
Answering them is how two robots e-mail each other forever (RFC 3834 section 2 lists the same signals).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from email.message import Message

from helpline.adapters.email.parse import ParsedEmail, message_ids

BOUNCE, AUTO_REPLY, BULK, OWN = "bounce", "auto_reply", "bulk", "own_message"
_DAEMONS = ("mailer-daemon", "postmaster", "mail-daemon", "noreply-dmarc-support")


@dataclass(frozen=True)
class Loop:
    kind: str  # bounce, auto_reply, bulk, own_message
    reason: str
    original_message_ids: tuple[str, ...] = ()  # a bounce: the Message-IDs of what it returns


def detect(parsed: ParsedEmail, our_addresses: Iterable[str] = ()) -> Loop | None:
    """Why this message must not be answered, or None for a person's message."""
    message = parsed.message
    ours = {a.lower() for a in our_addresses}
    sender = (parsed.from_address or "").lower()
    if _is_report(message) or sender.split("@")[0] in _DAEMONS or _header(message, "Return-Path") == "<>":
        return Loop(BOUNCE, _bounce_reason(message, sender), _bounced_ids(parsed))
    if sender and sender in ours:
        return Loop(OWN, f"sent from our own address {sender}")
    loop_header = {v.strip().lower() for v in message.get_all("X-Loop", [])}
    if loop_header & ours:
        return Loop(OWN, "X-Loop carries our address")
    auto = _header(message, "Auto-Submitted").lower()
    if auto and auto != "no":
        return Loop(AUTO_REPLY, f"Auto-Submitted: {auto}")
    for name in ("X-Autoreply", "X-Autorespond"):
        if message.get(name) is not None:
            return Loop(AUTO_REPLY, f"{name} header")
    precedence = _header(message, "Precedence").lower()
    if precedence in ("bulk", "junk", "list", "auto_reply"):
        return Loop(BULK, f"Precedence: {precedence}")
    if message.get("List-Id") is not None:
        return Loop(BULK, "mailing-list message (List-Id)")
    return None


def _header(message: Message, name: str) -> str:
    value = message.get(name)
    return " ".join(str(value).split()) if value is not None else ""


def _is_report(message: Message) -> bool:
    return message.get_content_type() == "multipart/report" or any(
        part.get_content_type() == "message/delivery-status" for part in message.walk())


def _bounce_reason(message: Message, sender: str) -> str:
    for part in message.walk():
        if part.get_content_type() == "message/delivery-status":
            blocks = part.get_payload()
            for block in blocks if isinstance(blocks, list) else []:
                if not isinstance(block, Message):
                    continue
                diagnostic = block.get("Diagnostic-Code") or block.get("Status")
                if diagnostic:
                    return f"delivery failed: {' '.join(str(diagnostic).split())}"[:500]
    return f"delivery report from {sender or 'an empty sender'}"


def _bounced_ids(parsed: ParsedEmail) -> tuple[str, ...]:
    """The returned message's Message-ID (from the copy or headers a bounce carries), then whatever the bounce
    itself says it replies to."""
    found: list[str] = []
    for part in parsed.message.walk():
        if part.get_content_type() == "message/rfc822":
            inner = part.get_payload()
            for copy in inner if isinstance(inner, list) else []:
                if isinstance(copy, Message):
                    found += message_ids(str(copy.get("Message-ID", "")))
        elif part.get_content_type() == "text/rfc822-headers":
            data = part.get_payload(decode=True)
            text = data.decode("utf-8", "replace") if isinstance(data, bytes) else ""
            for line in text.splitlines():
                if line.lower().startswith("message-id:"):
                    found += message_ids(line)
    found += [parsed.in_reply_to] if parsed.in_reply_to else []
    found += parsed.references
    return tuple(dict.fromkeys(found))

