"""Queue administration: service-level targets, business hours and the skills a queue requires.
Readers see queues through `scope.queue_filter`."""

from typing import Any

from sqlalchemy import select

from helpline.adapters.db.models import Client, Queue, QueueSkill, Site, Skill
from helpline.domain.errors import InvalidInput, NotFound
from helpline.domain.permissions import Actor
from helpline.domain.vocabulary import Channel
from helpline.services import scope
from helpline.services.admin_schemas import column_values
from helpline.services.staffing_schemas import (
    ExpansionStepIn,
    QueueCreate,
    QueueSkillIn,
    QueueSkillView,
    QueueUpdate,
    QueueView,
)
from helpline.services.unit_of_work import UnitOfWork


def list_queues(uow: UnitOfWork, actor: Actor, *, client_id: int | None = None, channel: Channel | None = None,
                is_active: bool | None = None, limit: int = 100, offset: int = 0) -> list[QueueView]:
    query = select(Queue).where(scope.queue_filter(uow, actor))
    for column, value in ((Queue.client_id, client_id), (Queue.channel, channel.value if channel else None),
                          (Queue.is_active, is_active)):
        if value is not None:
            query = query.where(column == value)
    return [queue_view(q) for q in uow.session.scalars(query.order_by(Queue.id).limit(limit).offset(offset))]


def get_queue(uow: UnitOfWork, actor: Actor, queue_id: int) -> QueueView:
    return queue_view(_load(uow, actor, queue_id))


def create_queue(uow: UnitOfWork, cmd: QueueCreate) -> QueueView:
    values = column_values(cmd, exclude={"required_skills", "expansion"})
    _check_references(uow, values)
    queue = Queue(**values)
    queue.required_skills = _requirements(uow, queue, cmd.required_skills)
    queue.expansion = _expansion(uow, queue, cmd.expansion)
    uow.session.add(queue)
    return _save(uow, queue)


def update_queue(uow: UnitOfWork, actor: Actor, queue_id: int, cmd: QueueUpdate) -> QueueView:
    queue = _load(uow, actor, queue_id)
    changes = column_values(cmd, exclude_unset=True, exclude={"required_skills", "expansion"})
    _check_references(uow, changes)
    for name, value in changes.items():
        setattr(queue, name, value)
    if cmd.required_skills is not None:
        queue.required_skills = _requirements(uow, queue, cmd.required_skills)
    steps = cmd.expansion if cmd.expansion is not None else [ExpansionStepIn(**s) for s in queue.expansion]
    queue.expansion = _expansion(uow, queue, steps)  # checked again: the required skills may have changed
    return _save(uow, queue)


def queue_view(queue: Queue) -> QueueView:
    skills = sorted((QueueSkillView(skill_id=r.skill_id, code=r.skill.code, min_proficiency=r.min_proficiency)
                     for r in queue.required_skills), key=lambda r: r.code)
    return QueueView(id=queue.id, code=queue.code, name=queue.name, client_id=queue.client_id, site_id=queue.site_id,
                     channel=Channel(queue.channel), product_line=queue.product_line, priority=queue.priority,
                     sl_threshold_s=queue.sl_threshold_s, sl_target=queue.sl_target,
                     business_hours=queue.business_hours, is_active=queue.is_active, required_skills=skills,
                     agent_choice=queue.agent_choice, expansion=[ExpansionStepIn(**s) for s in queue.expansion])


def _requirements(uow: UnitOfWork, queue: Queue, wanted: list[QueueSkillIn]) -> list[QueueSkill]:
    """The new requirement rows, reusing the queue's existing rows for skills it keeps."""
    found = {s.id: s for s in uow.session.scalars(select(Skill).where(Skill.id.in_([w.skill_id for w in wanted])))}
    missing = {w.skill_id for w in wanted} - set(found)
    if missing:
        raise NotFound("skill", min(missing))
    held = {r.skill_id: r for r in queue.required_skills}
    rows = [held.get(w.skill_id) or QueueSkill(skill_id=w.skill_id, skill=found[w.skill_id]) for w in wanted]
    for row, w in zip(rows, wanted, strict=True):
        row.min_proficiency = w.min_proficiency
    return rows


def _expansion(uow: UnitOfWork, queue: Queue, steps: list[ExpansionStepIn]) -> list[dict[str, Any]]:
    """Steps as stored: each relaxed skill must be one the queue requires; an overflow target must be another
    queue of the same client and channel."""
    required = {r.skill.code for r in queue.required_skills}
    for step in steps:
        unknown = set(step.min_proficiency or ()) - required
        if unknown:
            raise InvalidInput(f"a step relaxes skills the queue does not require: {sorted(unknown)}")
        if step.move_to_queue is not None:
            target = uow.session.scalar(select(Queue).where(Queue.code == step.move_to_queue))
            if target is None:
                raise InvalidInput(f"no queue has the code {step.move_to_queue!r}")
            if target.code == queue.code:
                raise InvalidInput("a queue cannot overflow into itself")
            if (target.client_id, target.channel) != (queue.client_id, queue.channel):
                raise InvalidInput(f"queue {target.code} serves another client or channel")
    return [step.model_dump(exclude_none=True, exclude_defaults=True) | {"after_s": step.after_s} for step in steps]


def _check_references(uow: UnitOfWork, values: dict[str, object]) -> None:
    for name, model in (("client_id", Client), ("site_id", Site)):
        value = values.get(name)
        if value is not None and uow.session.get(model, value) is None:
            raise NotFound(name.removesuffix("_id"), value)


def _save(uow: UnitOfWork, queue: Queue) -> QueueView:
    uow.flush()
    view = queue_view(queue)
    uow.commit()
    return view


def _load(uow: UnitOfWork, actor: Actor, queue_id: int) -> Queue:
    queue = uow.session.scalar(select(Queue).where(Queue.id == queue_id, scope.queue_filter(uow, actor)))
    if queue is None:
        raise NotFound("queue", queue_id)
    return queue
