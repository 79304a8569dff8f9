"""Get-or-create of the demo's organisation, skills, queues and codes: a partial load is completed,
a complete one is left alone."""

from dataclasses import dataclass, field
from typing import TypeVar

from sqlalchemy import select

from helpline.adapters.db.models import (
    Client,
    NotReadyReason,
    Queue,
    QueueSkill,
    Site,
    Skill,
    Team,
    WrapUpCode,
)
from helpline.demo import catalogue as cat
from helpline.services.unit_of_work import UnitOfWork

_T = TypeVar("_T")


@dataclass
class Refs:
    """Ids of the reference rows, by their natural keys."""

    sites: dict[str, int] = field(default_factory=dict)
    teams: dict[tuple[str, str], int] = field(default_factory=dict)
    clients: dict[str, int] = field(default_factory=dict)
    skills: dict[str, int] = field(default_factory=dict)
    queues: dict[str, int] = field(default_factory=dict)
    created: int = 0


def ensure_reference(uow: UnitOfWork) -> Refs:
    refs = Refs()
    session = uow.session
    for name, zone, country in cat.SITES:
        site = session.scalar(select(Site).where(Site.name == name))
        if site is None:
            site = _add(uow, refs, Site(name=name, time_zone=zone, holiday_country=country))
        refs.sites[name] = site.id
    for site_name, team_names in cat.TEAMS.items():
        for team_name in team_names:
            site_id = refs.sites[site_name]
            team = session.scalar(select(Team).where(Team.site_id == site_id, Team.name == team_name))
            if team is None:
                team = _add(uow, refs, Team(name=team_name, site_id=site_id))
            refs.teams[site_name, team_name] = team.id
    for code, name in cat.CLIENTS:
        client = session.scalar(select(Client).where(Client.code == code))
        if client is None:
            client = _add(uow, refs, Client(code=code, name=name))
        refs.clients[code] = client.id
    for code, name, certified in cat.SKILLS:
        skill = session.scalar(select(Skill).where(Skill.code == code))
        if skill is None:
            skill = _add(uow, refs, Skill(code=code, name=name, requires_certification=certified))
        refs.skills[code] = skill.id
    for spec in cat.QUEUES:
        queue = session.scalar(select(Queue).where(Queue.code == spec.code))
        if queue is None:
            queue = _add(uow, refs, _queue(spec, refs))
        refs.queues[spec.code] = queue.id
    _codes(uow, refs)
    return refs


def _queue(spec: cat.QueueSpec, refs: Refs) -> Queue:
    threshold, target = cat.SERVICE_LEVEL[spec.channel]
    queue = Queue(code=spec.code, name=spec.name, client_id=refs.clients[spec.client],
                  site_id=refs.sites[spec.site] if spec.site else None, channel=spec.channel.value,
                  product_line=spec.product_line.value if spec.product_line else None, priority=spec.priority,
                  sl_threshold_s=threshold, sl_target=target, business_hours=dict(spec.hours), is_active=True,
                  expansion=list(spec.expansion), agent_choice=spec.agent_choice)
    queue.required_skills = [QueueSkill(skill_id=refs.skills[code], min_proficiency=level)
                             for code, level in spec.skills.items()]
    return queue


def _codes(uow: UnitOfWork, refs: Refs) -> None:
    session = uow.session
    known = set(session.scalars(select(WrapUpCode.code)))
    for code, name in cat.WRAP_UP_CODES:
        if code not in known:
            _add(uow, refs, WrapUpCode(code=code, name=name))
    known = set(session.scalars(select(NotReadyReason.code)))
    for code, name, paid in cat.NOT_READY_REASONS:
        if code not in known:
            _add(uow, refs, NotReadyReason(code=code, name=name, paid=paid))


def _add(uow: UnitOfWork, refs: Refs, record: _T) -> _T:
    uow.session.add(record)
    uow.flush()
    refs.created += 1
    return record
