"""Message templates for e-mail and SMS in the customer's language.

A template is `helpline/messages/<name>.<language>.txt`, rendered with Jinja2. An e-mail template starts
with a `Subject: ...` line and a blank line. The language falls back from the customer's (`ru-RU` → `ru`)
to English, so a template needs at least its `.en.txt`.
"""

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateNotFound

from helpline.domain.errors import InvalidInput

TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "messages"
FALLBACK_LANGUAGE = "en"


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str
    language: str


@cache
def _environment() -> Environment:
    # Plain text, not HTML: nothing to escape; StrictUndefined makes a missing parameter an error, not a gap.
    return Environment(loader=FileSystemLoader(TEMPLATE_DIR), undefined=StrictUndefined, keep_trailing_newline=False,
                       autoescape=False)


def languages_to_try(language: str | None) -> list[str]:
    wanted = (language or "").replace("_", "-").lower()
    base = wanted.split("-")[0]
    return [lang for lang in dict.fromkeys([wanted, base, FALLBACK_LANGUAGE]) if lang]


def render(name: str, language: str | None, params: dict[str, Any]) -> Rendered:
    """Render template `name` in the best language available."""
    for lang in languages_to_try(language):
        try:
            template = _environment().get_template(f"{name}.{lang}.txt")
        except TemplateNotFound:
            continue
        try:
            text = template.render(**params)
        except Exception as error:  # a missing parameter is the caller's error
            raise InvalidInput(f"template {name}: {error}") from error
        subject, body = _split_subject(text)
        return Rendered(subject=subject, body=body.strip() + "\n", language=lang)
    raise InvalidInput(f"no message template named {name!r}")


def available() -> list[str]:
    return sorted({path.name.split(".")[0] for path in TEMPLATE_DIR.glob("*.txt")})


def _split_subject(text: str) -> tuple[str, str]:
    first, _, rest = text.lstrip().partition("\n")
    if first.startswith("Subject:"):
        return first.removeprefix("Subject:").strip(), rest
    return "", text
