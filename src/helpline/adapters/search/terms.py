"""Index terms for the help section's full-text search, the same on SQLite and PostgreSQL.

The text is normalised here in Python and the terms are kept in an ordinary table (`knowledge_terms`), so
both databases rank alike and no FTS5 / tsvector configuration is needed:

- words in Cyrillic are cut to their Snowball stems (the Russian stemmer, then a final vowel, й or ь is
  dropped so "случай" and "случая" meet; Ukrainian words go through it too, with і/ї/є folded to и/и/е,
  which is enough to meet plural and case forms), words in Latin script
  by the English Snowball stemmer ("документов" → "документ", "claims" → "claim");
- Chinese (Han) text, written without spaces, becomes overlapping character pairs ("车险理赔" → 车险 险理 理赔);
  a lone Han character stays as it is;
- digits stay whole (policy and phone numbers), ё is folded to е, and a short list of function words is left
  out.
"""

import re
from collections import Counter
from functools import lru_cache

import snowballstemmer

_TOKEN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+|[^\W_\u3400-\u9fff\uf900-\ufaff]+", re.UNICODE)
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_UKRAINIAN = str.maketrans({"і": "и", "ї": "и", "є": "е", "ґ": "г", "ё": "е"})
_SOFT_ENDINGS = "аеиоуыэюяйь"
MAX_TERM = 64
STOP = frozenset({
    # Russian and Ukrainian function words (after folding)
    "и", "в", "во", "на", "с", "со", "к", "ко", "по", "о", "об", "от", "до", "из", "за", "у", "не", "ни", "а",
    "но", "что", "как", "это", "или", "ли", "же", "бы", "то", "для", "при", "так", "мне", "мы", "вы", "я",
    "он", "она", "они", "их", "его", "ее", "ви", "чи", "що", "як", "та", "з", "й",
    # English
    "a", "an", "the", "and", "or", "of", "to", "in", "on", "for", "is", "are", "be", "by", "at", "it", "my",
    "i", "you", "we", "do", "does", "what", "how", "with", "can",
})


@lru_cache(maxsize=4)
def _stemmer(name: str) -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer(name)


@lru_cache(maxsize=50_000)
def _stem(word: str) -> str:
    if word.isdigit():
        return word
    if _CYRILLIC.search(word):
        stem = str(_stemmer("russian").stemWord(word.translate(_UKRAINIAN)))
        # Snowball keeps a final vowel or й of some stems ("случай" → "случа", but "случая" → "случ")
        trimmed = stem.rstrip(_SOFT_ENDINGS)
        return trimmed if len(trimmed) >= 3 else stem
    return str(_stemmer("english").stemWord(word))


def terms(text: str) -> list[str]:
    """The text's index terms in order (repeated as often as they occur)."""
    found: list[str] = []
    for token in _TOKEN.findall(text.lower()):
        if _HAN.match(token):
            found.extend(token if len(token) == 1 else (token[i:i + 2] for i in range(len(token) - 1)))
        elif (token not in STOP and len(token) > 1) or token.isdigit():
            stem = _stem(token)
            if stem and stem not in STOP:
                found.append(stem[:MAX_TERM])
    return found


def weighted_terms(title: str, keywords: str, body: str) -> dict[str, float]:
    """An article's terms with their field-weighted counts (title ×3, keywords ×2, body ×1)."""
    weights: dict[str, float] = {}
    for text, weight in ((title, 3.0), (keywords, 2.0), (body, 1.0)):
        for term, count in Counter(terms(text)).items():
            weights[term] = weights.get(term, 0.0) + weight * count
    return weights
