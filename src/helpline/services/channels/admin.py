"""Channel administration: configured connectors, their health, and the inbox's messages that need a person
(failed after retries). The schemas here are what `/api/v1/channels` and `helpline channels` show."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from helpline.adapters.db.models import InboundMessage
from helpline.services.channels import configs, health, inbox
from helpline.services.channels.configs import ConfigView
from helpline.services.channels.kinds import KINDS
from helpline.services.unit_of_work import UnitOfWork

ChannelName = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.@:\-]+$")


class ChannelCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = ChannelName
    kind: str = Field(min_length=1, max_length=30)
    queue: str | int | None = Field(None, description="Queue code or id where inbound requests wait")
    enabled: bool = True
    settings: dict[str, Any] = Field(default_factory=dict, description="The kind's settings (GET /channels/kinds)")


class ChannelUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    queue: str | int | None = None
    enabled: bool | None = None
    settings: dict[str, Any] | None = Field(None, description="Settings to change; the others are kept")


class KindView(BaseModel):
    kind: str
    channel: str
    description: str
    needs_queue: bool
    settings_schema: dict[str, Any]


class HealthView(BaseModel):
    name: str
    channel: str
    status: str = Field(description="ok, failing (the last attempt failed), idle (nothing for an hour) or unknown")
    last_ok_at: datetime | None
    last_error_at: datetime | None
    last_error: str
    last_activity_at: datetime | None
    detail: dict[str, Any]


class InboundView(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    channel: str
    source: str
    external_id: str | None
    received_at: datetime
    status: str
    flags: list[Any]
    attempts: int
    error: str
    interaction_id: int | None
    size: int


def kinds() -> list[KindView]:
    return [KindView(kind=name, channel=spec.channel, description=spec.description, needs_queue=spec.needs_queue,
                     settings_schema=spec.settings.model_json_schema()) for name, spec in sorted(KINDS.items())]


def list_channels(uow: UnitOfWork) -> list[ConfigView]:
    return [view.public() for view in configs.all_configs(uow)]


def create(uow: UnitOfWork, body: ChannelCreate) -> ConfigView:
    view = configs.add(uow, body.name, body.kind, body.settings, body.queue, body.enabled)
    return view.public()


def update(uow: UnitOfWork, name: str, body: ChannelUpdate) -> ConfigView:
    view = configs.update(uow, name, body.settings, body.queue, body.enabled)
    return view.public()


def health_views(uow: UnitOfWork) -> list[HealthView]:
    return [HealthView.model_validate(h.__dict__) for h in health.statuses(uow)]


def inbound_messages(uow: UnitOfWork, status: str | None, limit: int, offset: int) -> list[InboundView]:
    query = select(InboundMessage).order_by(InboundMessage.id.desc()).limit(limit).offset(offset)
    if status is not None:
        query = query.where(InboundMessage.status == status)
    return [InboundView(id=m.id, channel=m.channel, source=m.source, external_id=m.external_id,
                        received_at=m.received_at, status=m.status, flags=list(m.flags), attempts=m.attempts,
                        error=m.error, interaction_id=m.interaction_id, size=len(m.raw))
            for m in uow.session.scalars(query)]


def retry(uow: UnitOfWork, message_id: int) -> None:
    inbox.retry(uow, message_id)
