"""Who is using the web pages: the session's user as an `Actor`, their language, and the CSRF check."""

import secrets
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import Request

from helpline.domain.errors import Forbidden
from helpline.domain.permissions import Actor, Permission
from helpline.domain.vocabulary import Role
from helpline.entrypoints.api.deps import UoW
from helpline.entrypoints.web.rendering import DEFAULT_LANGUAGE, LANGUAGES
from helpline.services import auth, directory


class LoginRequired(Exception):
    """No one is logged in on this session: the page answers with a redirect to the log-in form."""


class CsrfRejected(Exception):
    """A form came back without the session's CSRF token."""


@dataclass(frozen=True)
class WebUser:
    actor: Actor
    username: str
    full_name: str

    @property
    def display_name(self) -> str:
        return self.full_name or self.username


def choose_language(request: Request, user_language: str | None = None) -> str:
    """?lang= (remembered in the session), else the session's choice, the user's, the browser's, Russian."""
    has_session = "session" in request.scope
    asked = request.query_params.get("lang")
    if asked in LANGUAGES and has_session:
        request.session["lang"] = asked
    chosen = asked if asked in LANGUAGES else request.session.get("lang") if has_session else None
    if chosen not in LANGUAGES:
        chosen = user_language if user_language in LANGUAGES else _browser_language(request)
    request.state.language = chosen
    return str(chosen)


def _browser_language(request: Request) -> str:
    for part in request.headers.get("accept-language", "").split(","):
        primary = part.split(";")[0].strip().lower().split("-")[0]
        if primary in LANGUAGES:
            return primary
    return DEFAULT_LANGUAGE


def page_user(*permissions: Permission) -> Callable[..., WebUser]:
    """A dependency: the logged-in user, admitted when their role holds any of `permissions` (as in the API).
    The integration role never uses the web pages."""

    def dependency(request: Request, uow: UoW) -> WebUser:
        user_id = request.session.get("user_id")
        actor = auth.actor_for_user_id(uow, user_id) if isinstance(user_id, int) else None
        if actor is None:
            request.session.pop("user_id", None)
            choose_language(request)
            raise LoginRequired
        found = directory.profile(uow, actor)
        choose_language(request, found.language)
        request.state.web_user = user = WebUser(actor=actor, username=found.username, full_name=found.full_name)
        if actor.role == Role.INTEGRATION or not any(actor.can(p) for p in permissions):
            raise Forbidden(f"the {actor.role.value} role may not use this page")
        return user

    return dependency


def check_csrf(request: Request, sent: str = "") -> None:
    """The form's `csrf` field, or the X-CSRF-Token header htmx requests carry (static/helpline.js)."""
    sent = sent or request.headers.get("x-csrf-token", "")
    expected = request.session.get("csrf")
    if not sent or not expected or not secrets.compare_digest(sent.encode(), str(expected).encode()):
        raise CsrfRejected


def start_session(request: Request, user_id: int) -> None:
    """Log in: a fresh session (only the language choice survives) with a new CSRF token."""
    language = request.session.get("lang")
    request.session.clear()
    request.session.update(user_id=user_id, csrf=secrets.token_urlsafe(32))
    if language in LANGUAGES:
        request.session["lang"] = language
