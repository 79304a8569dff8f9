"""Configuring channel connectors (`helpline channels ...`, /api/v1/channels): a name, a kind, the queue
inbound requests wait in, and the kind's own settings, validated by the kind's settings model."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError
from sqlalchemy import select

from helpline.adapters.db.models import ChannelConfig, Queue
from helpline.domain.errors import Conflict, InvalidInput, NotFound
from helpline.services.channels.kinds import KINDS
from helpline.services.unit_of_work import UnitOfWork


class ConfigView(BaseModel):
    model_config = ConfigDict(frozen=True)
    id: int
    name: str
    kind: str
    channel: str
    enabled: bool
    queue_id: int | None
    settings: dict[str, Any]
    updated_at: datetime

    def public(self) -> "ConfigView":
        """The view without secrets (passwords, tokens and secrets shown as ***), as the API shows it."""
        hidden = {k: ("***" if v and _secret(k) else v) for k, v in self.settings.items()}
        return self.model_copy(update={"settings": hidden})


def _secret(key: str) -> bool:
    return any(word in key for word in ("password", "token", "secret"))


def validated_settings(kind: str, settings: dict[str, Any]) -> dict[str, Any]:
    spec = KINDS.get(kind)
    if spec is None:
        raise InvalidInput(f"unknown channel kind {kind!r}; known: {', '.join(sorted(KINDS))}")
    try:
        model: BaseModel = spec.settings.model_validate(settings)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or kind}: {e['msg']}" for e in error.errors())
        raise InvalidInput(f"{kind} settings: {problems}") from error
    return model.model_dump(mode="json")


def _view(row: ChannelConfig) -> ConfigView:
    return ConfigView(id=row.id, name=row.name, kind=row.kind, channel=KINDS[row.kind].channel, enabled=row.enabled,
                      queue_id=row.queue_id, settings=dict(row.settings), updated_at=row.updated_at)


def _queue_id(uow: UnitOfWork, queue: str | int | None) -> int | None:
    if queue is None:
        return None
    found = uow.session.scalar(select(Queue.id).where(
        Queue.id == queue if isinstance(queue, int) else Queue.code == queue))
    if found is None:
        raise NotFound("queue", queue)
    return found


def add(uow: UnitOfWork, name: str, kind: str, settings: dict[str, Any], queue: str | int | None = None,
        enabled: bool = True) -> ConfigView:
    if uow.session.scalar(select(ChannelConfig.id).where(ChannelConfig.name == name)) is not None:
        raise Conflict(f"a channel named {name!r} exists")
    spec = KINDS.get(kind)
    queue_id = _queue_id(uow, queue)
    if spec is not None and spec.needs_queue and queue_id is None:
        raise InvalidInput(f"a {kind} channel needs the queue its requests wait in")
    row = ChannelConfig(name=name, kind=kind, enabled=enabled, queue_id=queue_id,
                        settings=validated_settings(kind, settings), created_at=uow.now(), updated_at=uow.now())
    uow.session.add(row)
    uow.commit()
    return _view(row)


def update(uow: UnitOfWork, name: str, settings: dict[str, Any] | None = None, queue: str | int | None = None,
           enabled: bool | None = None) -> ConfigView:
    row = _get(uow, name)
    if settings is not None:
        row.settings = validated_settings(row.kind, {**row.settings, **settings})
    if queue is not None:
        row.queue_id = _queue_id(uow, queue)
    if enabled is not None:
        row.enabled = enabled
    row.updated_at = uow.now()
    uow.commit()
    return _view(row)


def remove(uow: UnitOfWork, name: str) -> None:
    uow.session.delete(_get(uow, name))
    uow.commit()


def _get(uow: UnitOfWork, name: str) -> ChannelConfig:
    row = uow.session.scalar(select(ChannelConfig).where(ChannelConfig.name == name))
    if row is None:
        raise NotFound("channel", repr(name))
    return row


def get(uow: UnitOfWork, name: str) -> ConfigView:
    return _view(_get(uow, name))


def all_configs(uow: UnitOfWork, enabled_only: bool = False) -> list[ConfigView]:
    query = select(ChannelConfig).order_by(ChannelConfig.name)
    if enabled_only:
        query = query.where(ChannelConfig.enabled.is_(True))
    return [_view(row) for row in uow.session.scalars(query) if row.kind in KINDS]
