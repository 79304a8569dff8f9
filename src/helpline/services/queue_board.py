"""The queues an actor may see, each with how many interactions wait in it now and since when."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from helpline.adapters.db.models import Interaction, Queue, Site
from helpline.domain.permissions import Actor
from helpline.domain.vocabulary import InteractionState
from helpline.services import scope
from helpline.services.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class QueueSummary:
    id: int
    code: str
    name: str
    channel: str
    site_name: str | None  # None: shared by every site
    waiting: int
    oldest_queued_at: datetime | None  # the longest current wait started then

    def longest_wait_s(self, now: datetime) -> float | None:
        return max(0.0, (now - self.oldest_queued_at).total_seconds()) if self.oldest_queued_at else None


def queue_summaries(uow: UnitOfWork, actor: Actor) -> list[QueueSummary]:
    waiting = (select(Interaction.queue_id.label("queue_id"), func.count().label("waiting"),
                      func.min(Interaction.queued_at).label("oldest"))
               .where(Interaction.state == InteractionState.QUEUED.value, Interaction.queue_id.is_not(None))
               .group_by(Interaction.queue_id).subquery())
    rows = uow.session.execute(
        select(Queue, Site.name, waiting.c.waiting, waiting.c.oldest)
        .outerjoin(Site, Site.id == Queue.site_id).outerjoin(waiting, waiting.c.queue_id == Queue.id)
        .where(Queue.is_active.is_(True), scope.queue_filter(uow, actor)).order_by(Queue.name, Queue.id))
    return [QueueSummary(id=q.id, code=q.code, name=q.name, channel=q.channel, site_name=site, waiting=count or 0,
                         oldest_queued_at=oldest) for q, site, count, oldest in rows]
