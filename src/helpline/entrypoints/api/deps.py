"""Typed dependencies: the container, a unit of work per request, the acting user, permission rules."""

import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from helpline.bootstrap import Container
from helpline.domain.permissions import Actor, Permission
from helpline.services import auth
from helpline.services.unit_of_work import UnitOfWork

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "X-CSRF-Token"
bearer_scheme = HTTPBearer(auto_error=False, description="A token from `helpline token create` or POST /auth/token")


# The dependencies are `async def` although they do no awaiting: FastAPI runs a sync dependency in the
# thread pool, and a pool round trip per dependency cost more CPU than the whole use case. Only the
# endpoint itself (which does the database work) runs in the pool.


async def get_container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


async def get_uow(container: Annotated[Container, Depends(get_container)]) -> AsyncIterator[UnitOfWork]:
    with container.uow() as uow:  # opens no connection until the first query
        yield uow


UoW = Annotated[UnitOfWork, Depends(get_uow)]


def csrf_token(request: Request) -> str:
    """The session's CSRF token, created on first use; forms and scripts send it back."""
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return str(token)


async def current_actor(request: Request, container: Annotated[Container, Depends(get_container)],
                        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)]
                        ) -> Actor:
    """The acting user. A bearer token is usually in the actor cache; a miss, or a cookie session, costs
    one short query on the event loop (its own unit of work), cheaper than a hop to the thread pool."""
    if credentials is not None:
        actor = container.actor_cache.get(auth.token_digest(credentials.credentials))
        if actor is None:
            with container.uow() as uow:
                actor = auth.actor_for_token(uow, credentials.credentials, container.actor_cache)
        if actor is None:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "invalid or revoked token",
                                headers={"WWW-Authenticate": "Bearer"})
        return actor
    user_id = request.session.get("user_id") if "session" in request.scope else None
    if user_id:
        with container.uow() as uow:
            actor = auth.actor_for_user_id(uow, int(user_id))
    else:
        actor = None
    if actor is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "log in or send a bearer token",
                            headers={"WWW-Authenticate": "Bearer"})
    if request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        if not sent or not secrets.compare_digest(sent, request.session.get("csrf", "")):
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"missing or wrong {CSRF_HEADER} header")
    return actor


def require(*permissions: Permission) -> Callable[..., Awaitable[Actor]]:
    """A dependency admitting actors whose role holds any of `permissions`; every API route uses one."""

    async def dependency(actor: Annotated[Actor, Depends(current_actor)]) -> Actor:
        if not any(actor.can(p) for p in permissions):
            raise HTTPException(status.HTTP_403_FORBIDDEN,
                                f"the {actor.role.value} role may not do this ({', '.join(permissions)})")
        return actor

    dependency.required_permissions = permissions  # type: ignore[attr-defined]
    return dependency


def public(reason: str) -> Callable[[], Awaitable[None]]:
    """Marks a route that deliberately needs no log-in (the authorization test accepts only these)."""

    async def dependency() -> None:
        return None

    dependency.public_reason = reason  # type: ignore[attr-defined]
    return dependency
