"""Which records an actor may see. Out-of-scope records look like missing ones (404), so their existence
does not leak; a role that lacks a permission altogether gets 403 from the API layer."""

from datetime import datetime

from sqlalchemy import ColumnElement, and_, false, or_, select, true

from helpline.adapters.db.models import Agent, Case, Certification, Interaction, Queue
from helpline.domain.permissions import Actor
from helpline.domain.skills import HeldSkill, SkillRequirement, is_qualified
from helpline.domain.training import counts_until, is_valid
from helpline.domain.vocabulary import InteractionState, Role
from helpline.services.unit_of_work import UnitOfWork


def held_skills(agent: Agent, at: datetime) -> dict[str, HeldSkill]:
    """The agent's skills with, per skill, the certification that counts at `at`: one valid then if any
    (a renewal beside an expired certificate; of several, the one that lasts longest), else the latest passed.
    A suspended certification counts only until its suspension (domain/training.py), so routing never offers
    its skill's work after it."""
    best: dict[int, Certification] = {}
    for cert in sorted(agent.certifications, key=lambda c: c.passed_at):
        current = best.get(cert.skill_id)
        if current is None or not _valid(current, at) or (_valid(cert, at) and not _ends_before(cert, current)):
            best[cert.skill_id] = cert
    held = {}
    for s in agent.skills:
        counted = best.get(s.skill_id)
        held[s.skill.code] = HeldSkill(
            skill=s.skill.code, proficiency=s.proficiency, certified_at=counted.passed_at if counted else None,
            certification_expires_at=counts_until(counted.expires_at, counted.suspended_at) if counted else None,
            requires_certification=s.skill.requires_certification)
    return held


def _valid(cert: Certification, at: datetime) -> bool:
    return is_valid(cert.passed_at, cert.expires_at, cert.suspended_at, at)


def _ends_before(cert: Certification, other: Certification) -> bool:
    end = counts_until(cert.expires_at, cert.suspended_at)
    other_end = counts_until(other.expires_at, other.suspended_at)
    return end is not None and (other_end is None or end < other_end)


def requirements(queue: Queue) -> list[SkillRequirement]:
    return [SkillRequirement(r.skill.code, r.min_proficiency) for r in queue.required_skills]


def agent_qualifies(agent: Agent, queue: Queue, at: datetime) -> bool:
    return is_qualified(held_skills(agent, at), requirements(queue), at)


def qualified_queue_ids(uow: UnitOfWork, agent_id: int | None, at: datetime) -> list[int]:
    agent = uow.session.get(Agent, agent_id) if agent_id is not None else None
    if agent is None:
        return []
    queues = uow.session.scalars(select(Queue).where(Queue.is_active.is_(True)))
    return [q.id for q in queues if agent_qualifies(agent, q, at)]


def _site_queue_ids(actor: Actor):  # type: ignore[no-untyped-def]
    # a queue with no site is shared by every site
    return select(Queue.id).where(or_(Queue.site_id.in_(actor.site_ids), Queue.site_id.is_(None)))


def _site_agent_ids(actor: Actor):  # type: ignore[no-untyped-def]
    return select(Agent.id).where(Agent.site_id.in_(actor.site_ids))


def queue_filter(uow: UnitOfWork, actor: Actor) -> ColumnElement[bool]:
    if actor.sees_everything:
        return true()
    if actor.role == Role.SUPERVISOR:
        return or_(Queue.site_id.in_(actor.site_ids), Queue.site_id.is_(None))
    if actor.role == Role.AGENT:
        return Queue.id.in_(qualified_queue_ids(uow, actor.agent_id, uow.now()))
    return false()


def interaction_filter(uow: UnitOfWork, actor: Actor) -> ColumnElement[bool]:
    if actor.sees_everything:
        return true()
    if actor.role == Role.SUPERVISOR:
        return or_(Interaction.queue_id.in_(_site_queue_ids(actor)), Interaction.agent_id.in_(_site_agent_ids(actor)))
    if actor.role == Role.AGENT:
        waiting_for_me = and_(Interaction.state == InteractionState.QUEUED.value,
                              Interaction.queue_id.in_(qualified_queue_ids(uow, actor.agent_id, uow.now())))
        return or_(Interaction.agent_id == actor.agent_id, waiting_for_me) if actor.agent_id else false()
    if actor.role == Role.INTEGRATION:
        return Interaction.created_by_user_id == actor.user_id
    return false()


def case_filter(uow: UnitOfWork, actor: Actor) -> ColumnElement[bool]:
    if actor.sees_everything:
        return true()
    if actor.role == Role.SUPERVISOR:
        return or_(Case.site_id.in_(actor.site_ids), Case.site_id.is_(None),
                   Case.assigned_agent_id.in_(_site_agent_ids(actor)))
    if actor.role == Role.AGENT and actor.agent_id:
        handled = select(Interaction.case_id).where(Interaction.agent_id == actor.agent_id)
        return or_(Case.assigned_agent_id == actor.agent_id, Case.id.in_(handled))
    return false()


def agent_filter(actor: Actor) -> ColumnElement[bool]:
    if actor.sees_everything:
        return true()
    if actor.role == Role.SUPERVISOR:
        return Agent.site_id.in_(actor.site_ids)
    if actor.role == Role.AGENT and actor.agent_id:
        return Agent.id == actor.agent_id
    return false()
