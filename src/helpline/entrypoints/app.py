"""Builds the one ASGI application serving the API and the web pages."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.middleware.sessions import SessionMiddleware

from helpline.bootstrap import Container, bootstrap
from helpline.entrypoints.api.app import API_PREFIX, configure_api
from helpline.entrypoints.channel_worker import ChannelWorker
from helpline.entrypoints.routing_worker import RoutingWorker
from helpline.entrypoints.web import configure_web


def create_app(container: Container | None = None) -> FastAPI:
    container = container or bootstrap()
    app = FastAPI(title="Helpline", version="0.1.0", openapi_url=f"{API_PREFIX}/openapi.json",
                  docs_url=f"{API_PREFIX}/docs", redoc_url=None, lifespan=_lifespan,
                  description="Contact-centre platform for insurers. Authenticate with a bearer token "
                              "(POST /api/v1/auth/token) or, from the web pages, the session cookie plus the "
                              "X-CSRF-Token header.")
    app.state.container = container
    app.add_middleware(SessionMiddleware, secret_key=container.settings.secret_key, session_cookie="helpline_session",
                       max_age=container.settings.session_max_age_s, same_site="lax",
                       https_only=container.settings.environment == "production")
    configure_api(app, container)
    configure_web(app)
    return app


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    container: Container = app.state.container
    worker = RoutingWorker(container) if container.settings.routing_enabled else None
    app.state.routing_worker = worker
    if worker is not None:
        worker.start()
    channels = ChannelWorker(container, container.settings.channels_poll_s) if container.settings.channels_enabled \
        else None
    app.state.channel_worker = channels
    if channels is not None:
        channels.start()
    yield
    if channels is not None:
        channels.stop()
    if worker is not None:
        worker.stop()
    await app.state.intake_batcher.close()


def app_factory() -> FastAPI:
    """Entry for `uvicorn --factory helpline.entrypoints.app:app_factory` (each worker builds its own)."""
    return create_app()
