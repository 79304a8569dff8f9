"""Add translations to one area's message catalogue and compile it, for ru (translated) and en (the msgid).

    .venv/bin/python scripts/translations.py DOMAIN PAIRS.json

DOMAIN is `messages` (the common pages) or an area (`desk`, `wallboard`, `reports`, `admin`, ...): each area
keeps its own locale/<lang>/LC_MESSAGES/<domain>.po, so people working on different pages never edit one
file. PAIRS.json maps each English message to its Russian translation. The pages load every catalogue
(entrypoints/web/rendering.py); tests/test_web.py fails while a template message has no translation."""

import json
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

LOCALE = Path(__file__).resolve().parent.parent / "src" / "helpline" / "entrypoints" / "web" / "locale"


def main(domain: str, pairs_file: str) -> None:
    pairs: dict[str, str] = json.loads(Path(pairs_file).read_text(encoding="utf-8"))
    for language in ("ru", "en"):
        po = LOCALE / language / "LC_MESSAGES" / f"{domain}.po"
        if po.exists():
            with po.open("rb") as source:
                catalogue = read_po(source, locale=language)
        else:
            catalogue = Catalog(locale=language, domain=domain, project="Helpline")
        for message, russian in pairs.items():
            catalogue.add(message, russian if language == "ru" else message)
        with po.open("wb") as target:
            write_po(target, catalogue, no_location=True, width=120)
        with po.with_suffix(".mo").open("wb") as target:
            write_mo(target, catalogue)
    print(f"{len(pairs)} messages in {domain}.po (ru, en), compiled")


if __name__ == "__main__":
    main(*sys.argv[1:3])
