"""What the routing engine is told about the centre, read from the database: queues (with their expansion
steps) and agents (skills with the certification that counts, capacity per channel). Engine ids are the
database ids as strings; engine times are seconds since `EPOCH`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpline.adapters.db.models import Agent, Queue, Skill
from helpline.domain.vocabulary import Channel
from helpline.routing import AgentProfile, AgentSkill, ExpansionStep, QueueConfig
from helpline.routing.model import AgentChoice
from helpline.services.scope import held_skills

EPOCH = datetime(2020, 1, 1, tzinfo=UTC)


def seconds(moment: datetime) -> float:
    return (moment - EPOCH).total_seconds()


def moment(s: float) -> datetime:
    return EPOCH + timedelta(seconds=s)


def channel_queue_id(channel: str) -> str:
    """A hidden engine queue per channel that only tracks work taken without a queue (an outbound call), so
    the agent's capacity stays right. Nothing ever waits in it."""
    return f"channel:{channel}"


def queue_configs(session: Session) -> list[QueueConfig]:
    queues = list(session.scalars(select(Queue).order_by(Queue.id)))
    ids = {q.code: str(q.id) for q in queues}
    configs = [QueueConfig(channel_queue_id(ch.value), ch.value) for ch in Channel]
    for q in queues:
        steps = tuple(ExpansionStep(s["after_s"], s.get("min_proficiency"), s.get("any_site", False),
                                    ids.get(s["move_to_queue"]) if "move_to_queue" in s else None)
                      for s in q.expansion if "move_to_queue" not in s or s["move_to_queue"] in ids)
        choice: AgentChoice = q.agent_choice  # type: ignore[assignment]  # checked by the admin schema
        configs.append(QueueConfig(
            str(q.id), q.channel, str(q.site_id) if q.site_id is not None else None, q.priority,
            float(q.sl_threshold_s), q.sl_target, {r.skill.code: r.min_proficiency for r in q.required_skills},
            steps, choice))
    return configs


def agent_profile(agent: Agent, at: datetime) -> AgentProfile:
    skills = {code: AgentSkill.from_held(held, EPOCH) for code, held in held_skills(agent, at).items()}
    return AgentProfile(str(agent.id), str(agent.site_id), skills, {c.channel: c.capacity for c in agent.capacities})


def skill_codes(session: Session) -> frozenset[str]:
    """A customer's language is routed as a skill when a skill has its code (say `en` or `zh`); any other
    language is the centre's own, which every operator speaks."""
    return frozenset(session.scalars(select(Skill.code)))
