"""Queues: service-level targets, business hours, required skills. Everyone reads the queues in their scope;
only administrators change them."""

from typing import Annotated

from fastapi import APIRouter, Depends, status

from helpline.domain.permissions import Actor
from helpline.domain.permissions import Permission as P
from helpline.domain.vocabulary import Channel
from helpline.entrypoints.api.deps import UoW, require
from helpline.entrypoints.api.routers.params import CONFLICT, NOT_FOUND, IdPath, IdQuery, Limit, Offset
from helpline.services import queues_admin
from helpline.services.staffing_schemas import QueueCreate, QueueUpdate, QueueView

router = APIRouter(prefix="/queues", tags=["queues"])
Reader = Annotated[Actor, Depends(require(P.READ_QUEUES))]
Manager = Annotated[Actor, Depends(require(P.MANAGE_QUEUES))]


@router.get("", response_model=list[QueueView])
def list_queues(uow: UoW, actor: Reader, client_id: IdQuery = None, channel: Channel | None = None,
                is_active: bool | None = None, limit: Limit = 100, offset: Offset = 0) -> list[QueueView]:
    return queues_admin.list_queues(uow, actor, client_id=client_id, channel=channel, is_active=is_active,
                                    limit=limit, offset=offset)


@router.get("/{queue_id}", response_model=QueueView, responses=NOT_FOUND)
def get_queue(queue_id: IdPath, uow: UoW, actor: Reader) -> QueueView:
    return queues_admin.get_queue(uow, actor, queue_id)


@router.post("", response_model=QueueView, status_code=status.HTTP_201_CREATED, responses={**NOT_FOUND, **CONFLICT})
def create_queue(body: QueueCreate, uow: UoW, actor: Manager) -> QueueView:
    return queues_admin.create_queue(uow, body)


@router.patch("/{queue_id}", response_model=QueueView, responses=NOT_FOUND)
def update_queue(queue_id: IdPath, body: QueueUpdate, uow: UoW, actor: Manager) -> QueueView:
    return queues_admin.update_queue(uow, actor, queue_id, body)
