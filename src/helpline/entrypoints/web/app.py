"""Mounts the server-rendered pages, their static files and their error pages on the one application."""

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from helpline.entrypoints.web import chat_demo, login, pages
from helpline.entrypoints.web.errors import install_page_errors
from helpline.entrypoints.web.rendering import STATIC_DIR, Pages


def configure_web(app: FastAPI) -> None:
    app.state.web_pages = Pages(app.state.container.settings.time_zone)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(login.router)
    app.include_router(pages.router)
    app.include_router(chat_demo.router)
    install_page_errors(app)
