"""Appending to the interaction event log: the one writer of Event rows."""

from datetime import datetime
from typing import Any

from helpline.adapters.db import bulk
from helpline.adapters.db.models import Base, Event, Interaction
from helpline.domain.permissions import Actor
from helpline.domain.vocabulary import EventType
from helpline.services.unit_of_work import UnitOfWork


def append(uow: UnitOfWork, type_: EventType, *, at: datetime, actor: Actor | None = None,
           interaction: Interaction | None = None, case_id: int | None = None, agent_id: int | None = None,
           queue_id: int | None = None, data: dict[str, Any] | None = None, **fields: Any) -> Event:
    """Record one event with `data` and/or keyword `fields` as its payload (None values are left out).
    Interaction events default their case, agent and queue to the interaction's."""
    if interaction is not None:
        case_id = case_id if case_id is not None else interaction.case_id
        agent_id = agent_id if agent_id is not None else interaction.agent_id
        queue_id = queue_id if queue_id is not None else interaction.queue_id
    event = Event(**row(type_, at=at, actor=actor, interaction_id=interaction.id if interaction is not None else None,
                        case_id=case_id, agent_id=agent_id, queue_id=queue_id, **(data or {}), **fields),
                  recorded_at=uow.now())
    uow.session.add(event)
    return event


def row(type_: EventType, *, at: datetime, actor: Actor | None, interaction_id: int | None = None,
        case_id: int | None = None, agent_id: int | None = None, queue_id: int | None = None, **data: Any
        ) -> dict[str, Any]:
    """An event as a plain row, for use cases that write in bulk (see `append_rows`)."""
    return {"type": type_.value, "occurred_at": at, "interaction_id": interaction_id, "case_id": case_id,
            "agent_id": agent_id, "queue_id": queue_id, "actor_user_id": actor.user_id if actor else None,
            "data": {k: v for k, v in data.items() if v is not None}}


def append_rows(uow: UnitOfWork, rows: list[dict[str, Any]]) -> None:
    """Record several events in one statement, in the order given (`seq` ascending)."""
    recorded_at = uow.now()
    bulk.insert_rows(uow.session.connection(), _EVENTS, [{**r, "recorded_at": recorded_at} for r in rows])


_EVENTS = Base.metadata.tables["events"]
