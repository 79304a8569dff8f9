"""Outbound call tasks: supervisors plan survey and complaint call-backs, agents work them from a list."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from helpline.domain.permissions import Actor
from helpline.domain.permissions import Permission as P
from helpline.entrypoints.api.deps import UoW, require
from helpline.services import call_tasks
from helpline.services.call_task_schemas import (
    CallTaskView,
    CreateCallTask,
    CreateCallTasks,
    KindStats,
    RecordAttempt,
    TaskKind,
    TaskStatus,
)

router = APIRouter(prefix="/call-tasks", tags=["call tasks"])
Planner = Annotated[Actor, Depends(require(P.MANAGE_CALL_TASKS))]
Worker = Annotated[Actor, Depends(require(P.WORK_CALL_TASKS))]


@router.post("", response_model=CallTaskView, status_code=status.HTTP_201_CREATED, summary="Create a call task")
def create_one(body: CreateCallTask, uow: UoW, actor: Planner) -> CallTaskView:
    return call_tasks.create(uow, actor, [body])[0]


@router.post("/batch", response_model=list[CallTaskView], status_code=status.HTTP_201_CREATED,
             summary="Create several call tasks (all or none)")
def create_many(body: CreateCallTasks, uow: UoW, actor: Planner) -> list[CallTaskView]:
    return call_tasks.create(uow, actor, body.tasks)


@router.get("", response_model=list[CallTaskView], summary="List call tasks (supervisors)")
def list_tasks(uow: UoW, actor: Planner, task_status: Annotated[TaskStatus | None, Query(alias="status")] = None,
               kind: TaskKind | None = None, agent_id: int | None = None, due_before: datetime | None = None,
               limit: Annotated[int, Query(ge=1, le=1000)] = 100,
               offset: Annotated[int, Query(ge=0)] = 0) -> list[CallTaskView]:
    return call_tasks.listing(uow, actor, status=task_status, kind=kind, agent_id=agent_id, due_before=due_before,
                              limit=limit, offset=offset)


@router.get("/stats", response_model=list[KindStats], summary="Completion of call tasks by kind")
def task_stats(uow: UoW, actor: Planner, since: datetime | None = None) -> list[KindStats]:
    return call_tasks.stats(uow, actor, since)


@router.post("/{task_id}/cancel", response_model=CallTaskView, summary="Cancel an open call task")
def cancel(task_id: int, uow: UoW, actor: Planner) -> CallTaskView:
    return call_tasks.cancel(uow, actor, task_id)


@router.get("/mine", response_model=list[CallTaskView], summary="The calling agent's list: in progress, then due")
def mine(uow: UoW, actor: Worker, limit: Annotated[int, Query(ge=1, le=200)] = 50) -> list[CallTaskView]:
    return call_tasks.due(uow, actor, limit)


@router.post("/next", response_model=CallTaskView, summary="Take the next call task due for me",
             responses={204: {"description": "Nothing is due for you now"}})
def take_next(uow: UoW, actor: Worker) -> CallTaskView | Response:
    task = call_tasks.take_next(uow, actor)
    return Response(status_code=status.HTTP_204_NO_CONTENT) if task is None else task


@router.post("/{task_id}/attempts", response_model=CallTaskView, summary="Record the result of my call")
def record_attempt(task_id: int, body: RecordAttempt, uow: UoW, actor: Worker) -> CallTaskView:
    """reached closes the task done (and records the outbound call), refused and wrong_number close it failed,
    no_answer and busy put it back for `retry_after_s` (failing after its `max_attempts`), call_back_later
    puts it back until `call_back_at`."""
    return call_tasks.record_attempt(uow, actor, task_id, body)
