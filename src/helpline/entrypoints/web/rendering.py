"""Jinja2 rendering for the web pages, with Babel message catalogues and the site's time zone.

There is one Jinja2 environment per language: the i18n extension installs gettext into the environment,
so a shared one could not serve a Russian and an English request at the same moment."""

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from babel.support import Translations
from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from helpline.entrypoints.api.deps import csrf_token

WEB_DIR = Path(__file__).resolve().parent
TEMPLATE_DIR = WEB_DIR / "templates"
STATIC_DIR = WEB_DIR / "static"
LOCALE_DIR = WEB_DIR / "locale"
LANGUAGES = ("ru", "en")
DEFAULT_LANGUAGE = "ru"
DATETIME_PATTERNS = {"ru": "dd.MM.yyyy HH:mm:ss", "en": "d MMM yyyy, HH:mm:ss"}
SECURITY_HEADERS = {
    "Cache-Control": "no-store",  # pages carry personal (and health) data
    # scripts and styles only from this server (static/ and static/vendor/), never inline, never a CDN
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "frame-ancestors 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def N_(message: str) -> str:  # the gettext convention for "translate later"
    """Marks a message written in Python (a form error, a notice) for the catalogues; templates translate it
    with `_(...)` when they show it. tests/test_web.py checks every marked message has a translation."""
    return message


def catalogue_domains() -> list[str]:
    """`messages` (the common pages) and one catalogue per area (desk, wallboard, reports, admin, ...), so
    that each area's translations live in their own file."""
    found = {path.stem for path in (LOCALE_DIR / "ru" / "LC_MESSAGES").glob("*.po")}
    return ["messages", *sorted(found - {"messages"})]


def load_translations(language: str) -> Translations:
    merged: Translations | None = None
    for domain in catalogue_domains():
        translations = Translations.load(str(LOCALE_DIR), [language], domain=domain)
        if not isinstance(translations, Translations):
            raise RuntimeError(f"no compiled message catalogue {domain!r} for {language!r} in {LOCALE_DIR}")
        merged = translations if merged is None else merged.merge(translations)
    assert merged is not None
    return merged


def format_duration(value: timedelta | float | None) -> str:
    """A wait or a talk as m:ss or h:mm:ss, the way a wallboard shows it."""
    if value is None:
        return "—"
    seconds = max(0, round(value.total_seconds() if isinstance(value, timedelta) else value))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def language_url(request: Request, language: str) -> str:
    """This page (path and query, no host) in another language."""
    query = request.url.include_query_params(lang=language).query
    return f"{request.url.path}?{query}"


class Pages:
    """Renders a template in the request's language; built once per app by `configure_web`."""

    def __init__(self, time_zone: str) -> None:
        self.time_zone = ZoneInfo(time_zone)
        self.translations = {language: load_translations(language) for language in LANGUAGES}
        self.environments = {language: self._environment(language) for language in LANGUAGES}

    def _environment(self, language: str) -> Environment:
        env = Environment(loader=FileSystemLoader(TEMPLATE_DIR), autoescape=select_autoescape(["html"]),
                          extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True)
        env.install_gettext_translations(self.translations[language], newstyle=True)  # type: ignore[attr-defined]
        pattern = DATETIME_PATTERNS[language]

        def local_time(value: datetime | None) -> str:
            if value is None:
                return "—"
            return format_datetime(value, pattern, tzinfo=self.time_zone, locale=language)

        env.filters["datetime"] = local_time
        env.filters["duration"] = format_duration
        env.globals["time_zone"] = str(self.time_zone)
        env.globals["lang_url"] = language_url
        return env

    def translate(self, request: Request, message: str, **values: Any) -> str:
        """A message from Python code (a form error, a notice) in the request's language."""
        language = getattr(request.state, "language", None) or DEFAULT_LANGUAGE
        text = self.translations[language].gettext(message)
        return text % values if values else text

    def render(self, request: Request, template: str, *, status_code: int = 200, **context: Any) -> HTMLResponse:
        language = getattr(request.state, "language", None) or DEFAULT_LANGUAGE
        page = self.environments[language].get_template(template)
        html = page.render(request=request, lang=language, languages=LANGUAGES,
                           csrf_token=lambda: csrf_token(request),  # only pages with a form start a session
                           user=getattr(request.state, "web_user", None), **context)
        return HTMLResponse(html, status_code=status_code, headers=SECURITY_HEADERS)


def get_pages(request: Request) -> Pages:
    pages: Pages = request.app.state.web_pages
    return pages
