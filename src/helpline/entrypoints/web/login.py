"""Log-in and log-out with the session cookie. The form never tells whether a user exists."""

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request, status
from fastapi.responses import RedirectResponse, Response

from helpline.domain.errors import Forbidden
from helpline.domain.vocabulary import Role
from helpline.entrypoints.api.deps import UoW
from helpline.entrypoints.web.errors import WebRoute
from helpline.entrypoints.web.identity import check_csrf, choose_language, start_session
from helpline.entrypoints.web.rendering import LANGUAGES, get_pages
from helpline.services import auth, directory

router = APIRouter(route_class=WebRoute, include_in_schema=False)
MAX_USERNAME, MAX_PASSWORD = 80, 200


def safe_next(target: str | None) -> str:
    """Only a path on this site: never another host (`//evil`, `/\\evil`, `https://...`)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@router.get("/login")
def login_form(request: Request, next_path: Annotated[str, Query(alias="next")] = "/") -> Response:
    choose_language(request)
    return get_pages(request).render(request, "login.html", next=safe_next(next_path), username="", error=False)


@router.post("/login")
def log_in(request: Request, uow: UoW, username: Annotated[str, Form()] = "", password: Annotated[str, Form()] = "",
           csrf: Annotated[str, Form()] = "", next_path: Annotated[str, Form(alias="next")] = "/") -> Response:
    choose_language(request)
    check_csrf(request, csrf)
    username = username.strip()
    user = None
    if 0 < len(username) <= MAX_USERNAME and 0 < len(password) <= MAX_PASSWORD:
        user = auth.authenticate(uow, username, password)
    if user is None:
        return get_pages(request).render(request, "login.html", status_code=status.HTTP_401_UNAUTHORIZED,
                                         next=safe_next(next_path), username=username[:MAX_USERNAME], error=True)
    if user.role == Role.INTEGRATION.value:
        raise Forbidden("integration accounts use the API, not the web pages")
    start_session(request, user.id)
    return RedirectResponse(safe_next(next_path), status_code=status.HTTP_303_SEE_OTHER)


@router.post("/language")
def choose_page_language(request: Request, uow: UoW, language: Annotated[str, Form()] = "",
                         csrf: Annotated[str, Form()] = "",
                         next_path: Annotated[str, Form(alias="next")] = "/") -> Response:
    """The language switch in the top bar: kept in the session and, for a logged-in person, in their profile,
    so every later session opens in it."""
    choose_language(request)
    check_csrf(request, csrf)
    if language in LANGUAGES:
        request.session["lang"] = language
        user_id = request.session.get("user_id")
        actor = auth.actor_for_user_id(uow, user_id) if isinstance(user_id, int) else None
        if actor is not None:
            directory.set_language(uow, actor, language)
    return RedirectResponse(safe_next(next_path), status_code=status.HTTP_303_SEE_OTHER)


@router.post("/logout")
def log_out(request: Request, csrf: Annotated[str, Form()] = "") -> Response:
    choose_language(request)
    check_csrf(request, csrf)
    request.session.clear()
    return RedirectResponse("/login", status_code=status.HTTP_303_SEE_OTHER)
