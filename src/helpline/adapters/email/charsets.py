"""Decoding text whose charset is missing, unknown or wrong, as real mail from Russian and Chinese senders
often is. The declared charset is tried first; when the bytes do not fit it, candidates are scored by how
much the result looks like Russian or Chinese text and the best one wins.
"""

import codecs

# Labels that name a subset of what senders really use: GB2312-labelled mail routinely carries GBK characters.
_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030",
              "ks_c_5601-1987": "cp949", "iso-8859-1": "cp1252", "latin1": "cp1252", "us-ascii": "utf-8",
              "ascii": "utf-8"}
_GUESSES = ("gb18030", "cp1251", "koi8-r")


def codec_name(label: str | None) -> str | None:
    """Python's codec for a MIME charset label, or None when the label is unknown."""
    if not label:
        return None
    label = label.strip().strip('"').lower()
    label = _SUPERSETS.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def decode(data: bytes, declared: str | None) -> tuple[str, bool]:
    """The text, and whether a charset other than the declared one was needed (a fallback)."""
    codec = codec_name(declared)
    if codec is not None:
        try:
            return _strict(data, codec), False
        except UnicodeDecodeError:
            pass
    if data.isascii():
        return data.decode("ascii"), declared is not None and codec is None
    try:
        return _strict(data, "utf-8"), True
    except UnicodeDecodeError:
        pass
    return _best_guess(data), True


def _strict(data: bytes, codec: str) -> str:
    """Strict, except that a character cut off at the very end (a truncated huge message) is dropped."""
    return codecs.getincrementaldecoder(codec)(errors="strict").decode(data, final=False)


def _best_guess(data: bytes) -> str:
    best, best_score = data.decode("utf-8", errors="replace"), -1.0
    for codec in _GUESSES:
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        score = _plausibility(text)
        if score > best_score:
            best, best_score = text, score
    return best


def _plausibility(text: str) -> float:
    """Points per source byte (the same bytes for every candidate, so sums compare): lower-case Cyrillic (most
    of Russian prose) and common hanzi (GB2312 level 1, two bytes each) score; the wrong single-byte decoding
    of either gives mostly capitals and symbols, the wrong double-byte one rare hanzi."""
    points = 0.0
    for char in text:
        if char.isascii():
            continue
        if "а" <= char <= "я" or char == "ё":
            points += 1
        elif "А" <= char <= "Я" or char == "Ё":
            points += 0.3
        elif "\u4e00" <= char <= "\u9fff" or "\u3000" <= char <= "\u303f" or "\uff00" <= char <= "\uffef":
            points += 2 if _common_hanzi(char) else 0.2
    return points


def _common_hanzi(char: str) -> bool:
    try:
        encoded = char.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return len(encoded) == 2 and (0xB0 <= encoded[0] <= 0xD7 or 0xA1 <= encoded[0] <= 0xA3)
