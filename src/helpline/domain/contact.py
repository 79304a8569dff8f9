"""Normalising the addresses customers reach us from, so look-ups by phone or e-mail find them."""

import re

_NON_DIGITS = re.compile(r"[^\d]")


def normalize_phone(raw: str) -> str:
    """'+7 (495) 123-45-67' and '8 495 123 45 67' both become '+74951234567' (Russian trunk prefix 8)."""
    digits = _NON_DIGITS.sub("", raw)
    if len(digits) == 11 and digits.startswith("8") and not raw.strip().startswith("+"):
        digits = "7" + digits[1:]
    return "+" + digits if digits else ""


def normalize_email(raw: str) -> str:
    return raw.strip().lower()


def is_email(address: str) -> bool:
    return "@" in address
