"""How the web pages answer when something is missing or not allowed: an HTML page, never JSON or a 500.

`WebRoute` turns the errors a page's services and dependencies raise into pages; `install_page_errors`
gives paths outside the API an HTML page for Starlette's own errors (no such path, wrong method)."""

from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request, Response
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException

from helpline.domain.errors import Conflict, Forbidden, IllegalTransition, InvalidInput, NotFound
from helpline.entrypoints.api.app import API_PREFIX
from helpline.entrypoints.web.identity import CsrfRejected, LoginRequired, choose_language
from helpline.entrypoints.web.rendering import get_pages


def error_page(request: Request, status_code: int) -> Response:
    if getattr(request.state, "language", None) is None:
        choose_language(request)
    return get_pages(request).render(request, "error.html", status_code=status_code, status=status_code)


def login_redirect(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    query = "" if target == "/" else "?" + urlencode({"next": target})
    return RedirectResponse(f"/login{query}", status_code=303)


class WebRoute(APIRoute):
    """A page route: missing or out-of-scope records (and malformed ids) give the 404 page, a role without
    the permission the 403 page, an anonymous visitor a redirect to the log-in form."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except LoginRequired:
                return login_redirect(request)
            except (NotFound, RequestValidationError):
                return error_page(request, 404)
            except (Forbidden, CsrfRejected):
                return error_page(request, 403)
            except (Conflict, IllegalTransition, InvalidInput):  # a form that did not handle it itself
                return error_page(request, 409)

        return page_handler


def _is_api(path: str) -> bool:
    return path == API_PREFIX or path.startswith(API_PREFIX + "/")


def install_page_errors(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        if _is_api(request.url.path):
            return await http_exception_handler(request, error)
        response = error_page(request, error.status_code)
        response.headers.update(error.headers or {})
        return response
