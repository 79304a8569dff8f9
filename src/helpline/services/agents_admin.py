"""Agent administration: records, skills, certifications and per-channel capacity.

Readers see agents through `scope.agent_filter`; a supervisor manages only agents of the sites they oversee,
and an agent out of scope looks missing (404)."""

from datetime import UTC, datetime

from sqlalchemy import select

from helpline.adapters.db.models import Agent, AgentCapacity, AgentSkill, Certification, Site, Skill, Team, User
from helpline.domain.errors import Forbidden, InvalidInput, NotFound
from helpline.domain.permissions import Actor
from helpline.domain.training import is_valid
from helpline.domain.vocabulary import Channel, PresenceState, Role
from helpline.services import scope
from helpline.services.admin_schemas import column_values
from helpline.services.staffing_schemas import (
    AgentCreate,
    AgentSkillIn,
    AgentSkillView,
    AgentUpdate,
    AgentView,
    CertificationCreate,
    CertificationView,
)
from helpline.services.unit_of_work import UnitOfWork


def list_agents(uow: UnitOfWork, actor: Actor, *, site_id: int | None = None, team_id: int | None = None,
                presence: PresenceState | None = None, limit: int = 100, offset: int = 0) -> list[AgentView]:
    query = select(Agent).where(scope.agent_filter(actor))
    for column, value in ((Agent.site_id, site_id), (Agent.team_id, team_id),
                          (Agent.presence, presence.value if presence else None)):
        if value is not None:
            query = query.where(column == value)
    now = uow.now()
    return [agent_view(a, now) for a in uow.session.scalars(query.order_by(Agent.id).limit(limit).offset(offset))]


def get_agent(uow: UnitOfWork, actor: Actor, agent_id: int) -> AgentView:
    return agent_view(_load(uow, actor, agent_id), uow.now())


def create_agent(uow: UnitOfWork, actor: Actor, cmd: AgentCreate) -> AgentView:
    _check_placement(uow, actor, cmd.site_id, cmd.team_id)
    _check_user(uow, cmd.user_id)
    agent = Agent(**column_values(cmd), presence=PresenceState.LOGGED_OUT.value)
    uow.session.add(agent)
    return _save(uow, agent)


def update_agent(uow: UnitOfWork, actor: Actor, agent_id: int, cmd: AgentUpdate) -> AgentView:
    agent = _load(uow, actor, agent_id)
    changes = column_values(cmd, exclude_unset=True)
    site_id, team_id = changes.get("site_id", agent.site_id), changes.get("team_id", agent.team_id)
    if "team_id" not in changes and site_id != agent.site_id and team_id is not None:
        raise InvalidInput("the agent's team belongs to the old site: give a team_id of the new site, or null")
    _check_placement(uow, actor, site_id, team_id)
    _check_user(uow, changes.get("user_id"))
    for name, value in changes.items():
        setattr(agent, name, value)
    return _save(uow, agent)


def replace_skills(uow: UnitOfWork, actor: Actor, agent_id: int, skills: list[AgentSkillIn]) -> AgentView:
    agent = _load(uow, actor, agent_id)
    known = _skills(uow, [s.skill_id for s in skills])
    held = {s.skill_id: s for s in agent.skills}
    agent.skills = [held.get(s.skill_id) or AgentSkill(skill_id=s.skill_id, skill=known[s.skill_id]) for s in skills]
    for row, wanted in zip(agent.skills, skills, strict=True):
        row.proficiency = wanted.proficiency
    return _save(uow, agent)


def replace_capacities(uow: UnitOfWork, actor: Actor, agent_id: int, capacities: dict[Channel, int]) -> AgentView:
    agent = _load(uow, actor, agent_id)
    held = {c.channel: c for c in agent.capacities}
    agent.capacities = [held.get(ch.value) or AgentCapacity(channel=ch.value) for ch in capacities]
    for row, capacity in zip(agent.capacities, capacities.values(), strict=True):
        row.capacity = capacity
    return _save(uow, agent)


def add_certification(uow: UnitOfWork, actor: Actor, agent_id: int, cmd: CertificationCreate) -> CertificationView:
    agent = _load(uow, actor, agent_id)
    skill = _skills(uow, [cmd.skill_id])[cmd.skill_id]
    cert = Certification(skill_id=skill.id, skill=skill, passed_at=cmd.passed_at.astimezone(UTC),
                         expires_at=cmd.expires_at.astimezone(UTC) if cmd.expires_at else None)
    agent.certifications.append(cert)
    uow.flush()
    view = certification_view(cert, uow.now())
    uow.commit()
    return view


def remove_certification(uow: UnitOfWork, actor: Actor, agent_id: int, certification_id: int) -> None:
    agent = _load(uow, actor, agent_id)
    cert = next((c for c in agent.certifications if c.id == certification_id), None)
    if cert is None:
        raise NotFound("certification", certification_id)
    agent.certifications.remove(cert)
    uow.flush()
    uow.commit()


def agent_view(agent: Agent, now: datetime) -> AgentView:
    return AgentView(
        id=agent.id, user_id=agent.user_id, employee_no=agent.employee_no, display_name=agent.display_name,
        site_id=agent.site_id, team_id=agent.team_id, presence=PresenceState(agent.presence),
        presence_reason=agent.presence_reason, presence_since=agent.presence_since,
        skills=sorted((AgentSkillView(skill_id=s.skill_id, code=s.skill.code, proficiency=s.proficiency)
                       for s in agent.skills), key=lambda s: s.code),
        certifications=[certification_view(c, now) for c in sorted(agent.certifications, key=lambda c: c.passed_at)],
        capacities={c.channel: c.capacity for c in sorted(agent.capacities, key=lambda c: c.channel)})


def certification_view(cert: Certification, now: datetime) -> CertificationView:
    valid = is_valid(cert.passed_at, cert.expires_at, cert.suspended_at, now)
    return CertificationView(id=cert.id, skill_id=cert.skill_id, skill_code=cert.skill.code,
                             passed_at=cert.passed_at, expires_at=cert.expires_at, valid_now=valid,
                             suspended_at=cert.suspended_at, suspended_reason=cert.suspended_reason)


def _save(uow: UnitOfWork, agent: Agent) -> AgentView:
    uow.flush()
    view = agent_view(agent, uow.now())
    uow.commit()
    return view


def _load(uow: UnitOfWork, actor: Actor, agent_id: int) -> Agent:
    agent = uow.session.scalar(select(Agent).where(Agent.id == agent_id, scope.agent_filter(actor)))
    if agent is None:
        raise NotFound("agent", agent_id)
    return agent


def _check_placement(uow: UnitOfWork, actor: Actor, site_id: int, team_id: int | None) -> None:
    if uow.session.get(Site, site_id) is None:
        raise NotFound("site", site_id)
    if actor.role != Role.ADMIN and site_id not in actor.site_ids:
        raise Forbidden("you manage agents only at the sites you oversee")
    if team_id is not None:
        team = uow.session.get(Team, team_id)
        if team is None:
            raise NotFound("team", team_id)
        if team.site_id != site_id:
            raise InvalidInput(f"team {team_id} belongs to another site")


def _check_user(uow: UnitOfWork, user_id: int | None) -> None:
    if user_id is not None and uow.session.get(User, user_id) is None:
        raise NotFound("user", user_id)


def _skills(uow: UnitOfWork, skill_ids: list[int]) -> dict[int, Skill]:
    found = {s.id: s for s in uow.session.scalars(select(Skill).where(Skill.id.in_(skill_ids)))}
    missing = set(skill_ids) - set(found)
    if missing:
        raise NotFound("skill", min(missing))
    return found
