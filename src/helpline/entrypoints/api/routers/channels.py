"""Channel connectors: configuration (admins), health and the inbox (supervisors, QA, admins)."""

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Request, status

from helpline.domain.permissions import Actor
from helpline.domain.permissions import Permission as P
from helpline.entrypoints.api.deps import UoW, require
from helpline.entrypoints.api.routers.params import CONFLICT, NOT_FOUND, Limit, Offset
from helpline.services.admin_schemas import MAX_BIG_ID
from helpline.services.channels import admin, configs
from helpline.services.channels.admin import (
    ChannelCreate,
    ChannelUpdate,
    HealthView,
    InboundView,
    KindView,
)
from helpline.services.channels.configs import ConfigView

router = APIRouter(prefix="/channels", tags=["channels"])
Reader = Annotated[Actor, Depends(require(P.READ_CHANNELS))]
Manager = Annotated[Actor, Depends(require(P.MANAGE_CHANNELS))]
NamePath = Annotated[str, Path(min_length=1, max_length=100)]
InboxStatus = Literal["pending", "processed", "ignored", "failed"]


@router.get("/kinds", response_model=list[KindView], summary="Connector kinds and the settings each takes")
def list_kinds(actor: Reader) -> list[KindView]:
    return admin.kinds()


@router.get("/health", response_model=list[HealthView], summary="Each connector's health")
def channel_health(uow: UoW, actor: Reader) -> list[HealthView]:
    return admin.health_views(uow)


@router.get("/inbox", response_model=list[InboundView], summary="Inbound messages, newest first")
def list_inbox(uow: UoW, actor: Reader, status: InboxStatus | None = None, limit: Limit = 100,
               offset: Offset = 0) -> list[InboundView]:
    return admin.inbound_messages(uow, status, limit, offset)


@router.post("/inbox/{message_id}/retry", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND,
             summary="Process a failed inbound message again")
def retry_inbound(message_id: Annotated[int, Path(ge=1, le=MAX_BIG_ID)], uow: UoW, actor: Manager,
                  request: Request) -> None:
    admin.retry(uow, message_id)
    request.app.state.container.wake_channels()


@router.get("", response_model=list[ConfigView], summary="Configured connectors (secrets hidden)")
def list_channels(uow: UoW, actor: Reader) -> list[ConfigView]:
    return admin.list_channels(uow)


@router.post("", response_model=ConfigView, status_code=status.HTTP_201_CREATED, responses={**NOT_FOUND, **CONFLICT},
             summary="Configure a connector (takes effect when the server restarts)")
def create_channel(body: ChannelCreate, uow: UoW, actor: Manager) -> ConfigView:
    return admin.create(uow, body)


@router.patch("/{name}", response_model=ConfigView, responses=NOT_FOUND, summary="Change a connector")
def update_channel(name: NamePath, body: ChannelUpdate, uow: UoW, actor: Manager) -> ConfigView:
    return admin.update(uow, name, body)


@router.delete("/{name}", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND, summary="Remove a connector")
def delete_channel(name: NamePath, uow: UoW, actor: Manager) -> None:
    configs.remove(uow, name)
