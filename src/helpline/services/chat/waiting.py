"""Where a waiting chat stands: its position in the queue and the expected wait (docs/channels/chat.md).

Position: 1 + the interactions waiting in the same queue ahead of it (higher priority first, then earlier).
Expected wait, in order of preference:
1. the queue's recent answer rate: with at least MIN_ANSWERS answered in the last RECENT window, the chat at
   position p waits about p ÷ (answers per second) — how long the queue took lately to answer p requests;
2. otherwise the handling time and the agents ready: p × AHT ÷ (chat slots of the ready agents qualified
   for the queue), AHT being the mean handling time of the queue's chats of the last week (DEFAULT_AHT_S
   when there is none);
3. no agent ready and no recent answers: unknown (None), and the widget says so rather than guess.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from helpline.adapters.db.models import Agent, AgentCapacity, Interaction, Queue
from helpline.domain.capacity import DEFAULT_CAPACITY
from helpline.domain.vocabulary import InteractionState, PresenceState
from helpline.services import scope
from helpline.services.unit_of_work import UnitOfWork

RECENT = timedelta(minutes=30)
MIN_ANSWERS = 3
AHT_WINDOW = timedelta(days=7)
DEFAULT_AHT_S = 300.0
ROUND_S = 5


@dataclass(frozen=True)
class Standing:
    position: int
    expected_wait_s: int | None


def waiting_order(uow: UnitOfWork, queue_id: int) -> list[int]:
    """The interactions waiting in the queue, first to be answered first."""
    return list(uow.session.scalars(
        select(Interaction.id).where(Interaction.queue_id == queue_id,
                                     Interaction.state == InteractionState.QUEUED.value)
        .order_by(Interaction.priority.desc(), Interaction.queued_at, Interaction.id)))


@dataclass(frozen=True)
class QueuePace:
    """What the estimate needs of a queue, read once for every chat waiting in it."""

    answers_per_s: float | None
    aht_s: float
    slots: int

    def expected_wait_s(self, position: int) -> int | None:
        if self.answers_per_s:
            seconds = position / self.answers_per_s
        elif self.slots > 0:
            seconds = position * self.aht_s / self.slots
        else:
            return None
        return int(round(seconds / ROUND_S) * ROUND_S)


def pace(uow: UnitOfWork, queue_id: int) -> QueuePace:
    now = uow.now()
    answered = uow.session.scalar(select(func.count()).where(
        Interaction.queue_id == queue_id, Interaction.answered_at >= now - RECENT, Interaction.answered_at <= now)) or 0
    rate = answered / RECENT.total_seconds() if answered >= MIN_ANSWERS else None
    return QueuePace(answers_per_s=rate, aht_s=_aht_s(uow, queue_id, now), slots=_ready_slots(uow, queue_id, now))


def _aht_s(uow: UnitOfWork, queue_id: int, now: datetime) -> float:
    rows = uow.session.execute(select(Interaction.answered_at, Interaction.completed_at).where(
        Interaction.queue_id == queue_id, Interaction.completed_at >= now - AHT_WINDOW,
        Interaction.answered_at.is_not(None)).limit(1000)).all()
    spans = [(done - answered).total_seconds() for answered, done in rows if answered and done]
    return sum(spans) / len(spans) if spans else DEFAULT_AHT_S


def _ready_slots(uow: UnitOfWork, queue_id: int, now: datetime) -> int:
    queue = uow.session.get(Queue, queue_id)
    if queue is None:
        return 0
    ready = uow.session.scalars(select(Agent).where(Agent.presence == PresenceState.READY.value))
    slots = 0
    for agent in ready:
        if scope.agent_qualifies(agent, queue, now):
            capacity = uow.session.get(AgentCapacity, (agent.id, queue.channel))
            slots += capacity.capacity if capacity else DEFAULT_CAPACITY.get(queue.channel, 1)
    return slots


def standings(uow: UnitOfWork, queue_id: int) -> dict[int, Standing]:
    """Position and expected wait of every interaction waiting in the queue."""
    queue_pace = pace(uow, queue_id)
    return {interaction_id: Standing(position, queue_pace.expected_wait_s(position))
            for position, interaction_id in enumerate(waiting_order(uow, queue_id), start=1)}
