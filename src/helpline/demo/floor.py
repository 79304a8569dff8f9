"""The operators on the floor for the history: each one's desk (ready windows from the roster,
capacities) and, per queue, who is qualified and from when until when (certifications expire)."""

import random
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from helpline.adapters.db.models import Agent, Queue, Skill
from helpline.demo.desk import Desk
from helpline.demo.roster import plan_duty
from helpline.demo.staff import AgentSpec
from helpline.demo.world import SPEC
from helpline.services.unit_of_work import UnitOfWork

NEVER = 2**62


def build_desks(uow: UnitOfWork, specs: list[AgentSpec], first: date, days: int, end: int,
                rng: random.Random) -> tuple[dict[int, Desk], dict[int, list[Any]]]:
    """Desks and presence changes of the demo operators (by agent id)."""
    by_number = {spec.employee_no: spec for spec in specs}
    desks, presence = {}, {}
    for agent in uow.session.scalars(select(Agent).where(Agent.employee_no.in_(by_number)).order_by(Agent.id)):
        duty = plan_duty(by_number[agent.employee_no], first, days, end, rng)
        desks[agent.id] = Desk(agent.id, agent.user_id, duty.windows, {c.channel: c.capacity for c in agent.capacities})
        presence[agent.id] = duty.presence
    return desks, presence


def eligibility(uow: UnitOfWork, desks: dict[int, Desk],
                dedicated: dict[int, set[str]]) -> dict[str, list[tuple[Desk, int, int]]]:
    """Per queue: (desk, qualified from ms, qualified until ms), by the rules of domain.skills: every
    required skill at the required proficiency, with a certification valid at that moment. Operators of
    a `dedicated` team (team id -> queue codes) work only those queues in the history (VIP curators)."""
    session = uow.session
    needs_exam = {sid: exam for sid, exam in session.execute(select(Skill.id, Skill.requires_certification))}
    agents = list(session.scalars(select(Agent).where(Agent.id.in_(desks)).order_by(Agent.id)))
    eligible: dict[str, list[tuple[Desk, int, int]]] = {}
    for queue in session.scalars(select(Queue).where(Queue.code.in_(SPEC)).order_by(Queue.id)):
        for agent in agents:
            if queue.site_id is not None and agent.site_id != queue.site_id:
                continue
            if agent.team_id in dedicated and queue.code not in dedicated[agent.team_id]:
                continue
            span = _qualified(agent, queue, needs_exam)
            if span is not None:
                eligible.setdefault(queue.code, []).append((desks[agent.id], *span))
    return eligible


def _qualified(agent: Agent, queue: Queue, needs_exam: dict[int, bool]) -> tuple[int, int] | None:
    levels = {s.skill_id: s.proficiency for s in agent.skills}
    certs = {c.skill_id: c for c in agent.certifications}
    valid_from, valid_until = 0, NEVER
    for need in queue.required_skills:
        if levels.get(need.skill_id, 0) < need.min_proficiency:
            return None
        if needs_exam.get(need.skill_id, True):
            cert = certs.get(need.skill_id)
            if cert is None:
                return None
            valid_from = max(valid_from, _ms(cert.passed_at))
            if cert.expires_at is not None:
                valid_until = min(valid_until, _ms(cert.expires_at))
    return (valid_from, valid_until) if valid_from < valid_until else None


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)
