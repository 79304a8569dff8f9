"""Mounts the server-rendered pages, their static files and their error pages on the one application."""

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from helpline.entrypoints.web import (
    admin_pages,
    chat_demo,
    complaint_pages,
    desk_pages,
    knowledge_pages,
    live,
    login,
    pages,
    planning_pages,
    provider_pages,
    quality_pages,
    report_pages,
    survey_pages,
    training_pages,
    wallboard_pages,
)
from helpline.entrypoints.web.errors import install_page_errors
from helpline.entrypoints.web.rendering import STATIC_DIR, Pages


def configure_web(app: FastAPI) -> None:
    app.state.web_pages = Pages(app.state.container.settings.time_zone)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(login.router)
    app.include_router(pages.router)
    app.include_router(chat_demo.router)
    app.include_router(live.router)
    for area in (desk_pages, wallboard_pages, report_pages, planning_pages, admin_pages, complaint_pages,
                 survey_pages, quality_pages, training_pages, knowledge_pages, provider_pages):
        app.include_router(area.router)
    install_page_errors(app)
