"""Live operation: agent presence, what waits in a queue, taking the next interaction, the event feed."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from helpline.domain.errors import NotFound
from helpline.domain.permissions import Actor
from helpline.domain.permissions import Permission as P
from helpline.entrypoints.api.deps import UoW, require
from helpline.services import lifecycle, presence, queries
from helpline.services.schemas import EventView, InteractionView, OfferCommand, PresenceChange, PresenceView

router = APIRouter(tags=["operations"])


@router.post("/agents/{agent_id}/presence", response_model=PresenceView)
def change_presence(agent_id: int, body: PresenceChange, uow: UoW,
                    actor: Annotated[Actor, Depends(require(P.CHANGE_PRESENCE))]) -> PresenceView:
    return presence.change_presence(uow, actor, agent_id, body)


@router.get("/queues/{queue_id}/waiting", response_model=list[InteractionView],
            description="Waiting interactions in serving order: higher priority first, then longest waiting.")
def waiting(queue_id: int, uow: UoW, actor: Annotated[Actor, Depends(require(P.READ_QUEUES))],
            limit: Annotated[int, Query(ge=1, le=5000)] = 500) -> list[InteractionView]:
    return queries.waiting_in_queue(uow, actor, queue_id, limit)


@router.post("/queues/{queue_id}/take", response_model=InteractionView,
             description="The acting agent takes the next waiting interaction (it is offered to them).")
def take_next(queue_id: int, uow: UoW,
              actor: Annotated[Actor, Depends(require(P.HANDLE_INTERACTIONS))]) -> InteractionView:
    waiting_now = queries.waiting_in_queue(uow, actor, queue_id, limit=1)
    if not waiting_now:
        raise NotFound("waiting interaction in queue", queue_id)
    return lifecycle.offer(uow, actor, waiting_now[0].id, OfferCommand())


@router.get("/events", response_model=list[EventView],
            description="The event log in recording order; follow it by passing the last seq as after_seq.")
def event_feed(uow: UoW, actor: Annotated[Actor, Depends(require(P.READ_EVENTS))],
               after_seq: Annotated[int, Query(ge=0)] = 0,
               limit: Annotated[int, Query(ge=1, le=10000)] = 1000) -> list[EventView]:
    return queries.event_feed(uow, actor, after_seq=after_seq, limit=limit)
