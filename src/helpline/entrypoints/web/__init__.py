"""Server-rendered web pages (Jinja2, Babel catalogues in Russian and English, no JavaScript)."""

from helpline.entrypoints.web.app import configure_web

__all__ = ["configure_web"]
