"""The API application: routers under /api/v1 and the error mapping."""

from fastapi import APIRouter, FastAPI

from helpline.bootstrap import Container
from helpline.entrypoints.api.errors import install_error_handlers
from helpline.entrypoints.api.intake_batcher import IntakeBatcher
from helpline.entrypoints.api.routers import (
    agents,
    app_requests,
    audit,
    auth,
    call_tasks,
    cases,
    channels,
    chat,
    complaints,
    consents,
    cti,
    customers,
    email,
    interactions,
    knowledge,
    operations,
    providers,
    quality,
    queues,
    reference,
    reports,
    sms,
    surveys,
    training,
    users,
)

API_PREFIX = "/api/v1"
ROUTERS = [call_tasks.router, app_requests.router,
           auth.router, interactions.router, cases.router, operations.router, reference.router, users.router,
           agents.router, queues.router, customers.router, quality.router, audit.router,
           reports.router, cti.router, channels.router, sms.router, consents.router,
           email.router, chat.router, complaints.router, surveys.router, training.router,
           knowledge.router, providers.router]


def api_router() -> APIRouter:
    router = APIRouter(prefix=API_PREFIX)
    for sub in ROUTERS:
        router.include_router(sub)
    return router


def configure_api(app: FastAPI, container: Container) -> None:
    app.state.intake_batcher = IntakeBatcher(container)
    app.include_router(api_router())
    install_error_handlers(app)
