"""How a text becomes SMS parts: the GSM 03.38 7-bit alphabet when every character is in it (Latin texts),
UCS-2 otherwise (Cyrillic, Chinese); a text too long for one SMS is split into parts that each carry a
concatenation header (UDH: reference, total, sequence) so the phone shows one message.

GSM 7-bit is sent unpacked, one septet per octet, as SMPP centres expect with data_coding 0. A part never
splits a character: an escaped GSM character (€, [, ...) or a UTF-16 surrogate pair stays whole.
"""

from dataclasses import dataclass

GSM_DEFAULT, UCS2 = 0x00, 0x08  # SMPP data_coding
UDHI = 0x40  # esm_class: short_message starts with a user data header

_BASIC = ("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
          "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
_EXTENSION = {"\f": 0x0A, "^": 0x14, "{": 0x28, "}": 0x29, "\\": 0x2F, "[": 0x3C, "~": 0x3D, "]": 0x3E,
              "|": 0x40, "€": 0x65}
_GSM = {char: bytes([code]) for code, char in enumerate(_BASIC) if char != "\x1b"}
_GSM.update({char: bytes([0x1B, code]) for char, code in _EXTENSION.items()})
_GSM_DECODE = {value: char for char, value in _GSM.items()}

# octets of user data: one SMS, and one part of a concatenated SMS (6 octets go to the UDH)
_CAPACITY = {GSM_DEFAULT: (160, 153), UCS2: (140, 134)}


@dataclass(frozen=True)
class Encoded:
    data_coding: int
    parts: list[bytes]  # each part's short_message (with its UDH when there are several)

    @property
    def esm_class(self) -> int:
        return UDHI if len(self.parts) > 1 else 0


def is_gsm(text: str) -> bool:
    return all(char in _GSM for char in text)


def _units(text: str) -> tuple[int, list[bytes]]:
    if is_gsm(text):
        return GSM_DEFAULT, [_GSM[char] for char in text]
    return UCS2, [char.encode("utf-16-be") for char in text]


def _pack(units: list[bytes], size: int) -> list[bytes]:
    chunks: list[bytes] = []
    current = b""
    for unit in units:
        if len(current) + len(unit) > size:
            chunks.append(current)
            current = b""
        current += unit
    return [*chunks, current]


def encode(text: str, reference: int = 0) -> Encoded:
    """The parts of `text`; `reference` (0-255) ties the parts of one message together on the phone."""
    coding, units = _units(text)
    single, part = _CAPACITY[coding]
    if sum(len(unit) for unit in units) <= single:
        return Encoded(coding, [b"".join(units)])
    chunks = _pack(units, part)
    if len(chunks) > 255:
        raise ValueError("a text longer than 255 SMS parts cannot be sent")
    header = bytes([0x05, 0x00, 0x03, reference & 0xFF, len(chunks)])
    return Encoded(coding, [header + bytes([seq]) + chunk for seq, chunk in enumerate(chunks, start=1)])


@dataclass(frozen=True)
class PartOf:
    """Where a received part belongs: the sender's reference for the long message, its parts, this part."""

    reference: int
    total: int
    seq: int


def concatenation(data: bytes) -> PartOf | None:
    """The concatenation element of a short_message's user data header (8- or 16-bit reference), if any."""
    if not data:
        return None
    end, i = min(1 + data[0], len(data)), 1
    while i + 1 < end:
        element, length = data[i], data[i + 1]
        body = data[i + 2:i + 2 + length]
        found = None
        if element == 0x00 and len(body) == 3:
            found = PartOf(body[0], body[1], body[2])
        elif element == 0x08 and len(body) == 4:
            found = PartOf(body[0] << 8 | body[1], body[2], body[3])
        if found is not None:
            return found if 1 <= found.seq <= found.total else None
        i += 2 + length
    return None


def segment_count(text: str) -> int:
    """How many SMS a text takes (what the gateway bills)."""
    return len(encode(text).parts)


def decode(data: bytes, data_coding: int, has_udh: bool = False) -> str:
    """The text of a received short_message (a customer's SMS)."""
    if has_udh and data:
        data = data[1 + data[0]:]
    if data_coding == UCS2:
        return data.decode("utf-16-be", errors="replace")
    if data_coding == GSM_DEFAULT:
        return _decode_gsm(data)
    if data_coding == 0x03:  # Latin-1
        return data.decode("latin-1")
    return data.decode("utf-8", errors="replace")


def _decode_gsm(data: bytes) -> str:
    out, i = [], 0
    while i < len(data):
        width = 2 if data[i] == 0x1B and i + 1 < len(data) else 1
        out.append(_GSM_DECODE.get(data[i:i + width], "?"))
        i += width
    return "".join(out)
