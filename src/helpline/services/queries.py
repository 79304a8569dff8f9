"""Read-side queries for interactions, queues and the event log, each limited to the actor's scope."""

from sqlalchemy import select

from helpline.adapters.db.models import Agent, Event, Interaction, Queue
from helpline.domain.errors import NotFound
from helpline.domain.permissions import Actor
from helpline.domain.vocabulary import InteractionState, Role
from helpline.services import scope
from helpline.services.schemas import EventView, InteractionView
from helpline.services.unit_of_work import UnitOfWork


def get_interaction(uow: UnitOfWork, actor: Actor, interaction_id: int) -> InteractionView:
    found = uow.session.scalar(select(Interaction).where(
        Interaction.id == interaction_id, scope.interaction_filter(uow, actor)))
    if found is None:
        raise NotFound("interaction", interaction_id)
    return InteractionView.model_validate(found)


def list_interactions(uow: UnitOfWork, actor: Actor, *, state: InteractionState | None = None,
                      queue_id: int | None = None, agent_id: int | None = None, case_id: int | None = None,
                      limit: int = 100, offset: int = 0) -> list[InteractionView]:
    query = select(Interaction).where(scope.interaction_filter(uow, actor))
    for column, value in ((Interaction.state, state.value if state else None), (Interaction.queue_id, queue_id),
                          (Interaction.agent_id, agent_id), (Interaction.case_id, case_id)):
        if value is not None:
            query = query.where(column == value)
    rows = uow.session.scalars(query.order_by(Interaction.id.desc()).limit(limit).offset(offset))
    return [InteractionView.model_validate(r) for r in rows]


def waiting_in_queue(uow: UnitOfWork, actor: Actor, queue_id: int, limit: int = 500) -> list[InteractionView]:
    """The queue in its serving order: higher priority first, then longest waiting."""
    visible_queue(uow, actor, queue_id)
    rows = uow.session.scalars(select(Interaction).where(
        Interaction.queue_id == queue_id, Interaction.state == InteractionState.QUEUED.value)
        .order_by(Interaction.priority.desc(), Interaction.queued_at, Interaction.id).limit(limit))
    return [InteractionView.model_validate(r) for r in rows]


def visible_queue(uow: UnitOfWork, actor: Actor, queue_id: int) -> Queue:
    queue = uow.session.scalar(select(Queue).where(Queue.id == queue_id, scope.queue_filter(uow, actor)))
    if queue is None:
        raise NotFound("queue", queue_id)
    return queue


def interaction_events(uow: UnitOfWork, actor: Actor, interaction_id: int) -> list[EventView]:
    get_interaction(uow, actor, interaction_id)
    rows = uow.session.scalars(select(Event).where(Event.interaction_id == interaction_id).order_by(Event.seq))
    return [EventView.model_validate(r) for r in rows]


def event_feed(uow: UnitOfWork, actor: Actor, *, after_seq: int = 0, limit: int = 1000) -> list[EventView]:
    """The log in recording order, for reports and integrations that follow it (resume with after_seq)."""
    query = select(Event).where(Event.seq > after_seq)
    if actor.role == Role.SUPERVISOR:
        visible_queues = select(Queue.id).where(scope.queue_filter(uow, actor))
        query = query.where((Event.queue_id.in_(visible_queues)) | Event.agent_id.in_(
            select(Agent.id).where(scope.agent_filter(actor))))
    rows = uow.session.scalars(query.order_by(Event.seq).limit(limit))
    return [EventView.model_validate(r) for r in rows]
