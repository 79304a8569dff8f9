"""/chat-demo: a stand-in for the insurer's site, embedding the chat widget with its one script tag.

Its origin is Helpline's own, so the channel's `allowed_origins` must list it (or "*") for the chat to open.
"""

from html import escape
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

router = APIRouter(include_in_schema=False)

PAGE = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><title>Insurer — chat demo</title>
<style>body{{font-family:Georgia,serif;max-width:40em;margin:3em auto;color:#333}}
/* the site's own CSS: the widget must not pick it up */ button{{background:red!important}} *{{font-size:20px}}</style>
</head><body>
<h1>{heading}</h1>
<p>{text}</p>
<script src="/static/chat-widget.js" data-channel="{channel}" async></script>
</body></html>"""

TEXTS = {
    "ru": ("Страховая компания", "Это демонстрационная страница: чат открывается кнопкой в правом нижнем углу."),
    "en": ("Insurance company", "A demo page: the chat opens with the button in the bottom right corner."),
}


@router.get("/chat-demo", response_class=HTMLResponse)
def chat_demo(channel: Annotated[str, Query(max_length=100)] = "site-chat",
              lang: Annotated[str, Query(pattern="^(ru|en)$")] = "ru") -> HTMLResponse:
    heading, text = TEXTS[lang]
    return HTMLResponse(PAGE.format(lang=lang, heading=heading, text=text, channel=escape(channel, quote=True)))
