"""Agents: placement (site, team), skills with proficiency, certifications (the exams routing requires), capacity
per channel. Administrators manage every agent; a supervisor only the agents of the sites they oversee (others'
agents look missing, 404, as in the API)."""

from datetime import date, datetime, time
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import Field, TypeAdapter

from helpline.domain.errors import DomainError, Forbidden, InvalidInput, NotFound
from helpline.domain.vocabulary import Channel, Role
from helpline.entrypoints.api.deps import UoW
from helpline.entrypoints.web.admin_common import (
    MANY,
    AgentManager,
    Posted,
    check,
    done,
    page,
    reference_options,
    text,
    typed,
)
from helpline.entrypoints.web.errors import WebRoute
from helpline.entrypoints.web.forms import FORM_LEVEL, FormErrors, domain_error, parse_form
from helpline.entrypoints.web.identity import WebUser
from helpline.entrypoints.web.pages import SmallId
from helpline.entrypoints.web.rendering import N_, get_pages
from helpline.services import agents_admin
from helpline.services.staffing_schemas import (
    AgentCreate,
    AgentSkillIn,
    AgentUpdate,
    AgentView,
    CertificationCreate,
)
from helpline.services.unit_of_work import UnitOfWork

router = APIRouter(route_class=WebRoute, include_in_schema=False)
Proficiency = TypeAdapter(Annotated[int, Field(ge=1, le=10)])
Capacity = TypeAdapter(Annotated[int, Field(ge=0, le=50)])
NOT_YOUR_SITE = N_("You manage agents only at the sites you oversee.")
TEAM_OF_ANOTHER_SITE = N_("This team belongs to another site.")
EXPIRES_BEFORE = N_("The certificate must expire after the exam was passed.")
ENTER_DATE = N_("Enter a date.")


def _choices(uow: UnitOfWork, user: WebUser) -> dict[str, Any]:
    refs = reference_options(uow)
    sites = [s for s in refs["sites"] if user.actor.role == Role.ADMIN or s.id in user.actor.site_ids]
    site_names = {s.id: s.name for s in refs["sites"]}
    teams = [(t.id, f"{site_names.get(t.site_id, '')} — {t.name}") for t in refs["teams"]
             if t.site_id in {s.id for s in sites}]
    return {"site_options": [(s.id, s.name) for s in sites], "team_options": teams, "skills": refs["skills"],
            "skill_pairs": [(s.id, s.name) for s in refs["skills"]],
            "site_names": site_names, "team_names": {t.id: t.name for t in refs["teams"]}, "channels": list(Channel)}


@router.get("/admin/agents")
def agents_page(request: Request, uow: UoW, user: AgentManager) -> Response:
    agents = agents_admin.list_agents(uow, user.actor, limit=MANY)
    return page(request, "admin/agents.html", agents=agents, values={}, **_choices(uow, user))


@router.post("/admin/agents")
def create_agent(request: Request, uow: UoW, user: AgentManager, form: Posted) -> Response:
    values = {"employee_no": text(form, "employee_no"), "display_name": text(form, "display_name"),
              "site_id": text(form, "site_id"), "team_id": text(form, "team_id") or None}
    cmd, errors = parse_form(AgentCreate, values)
    if cmd is not None:
        try:
            created = agents_admin.create_agent(uow, user.actor, cmd)
        except DomainError as refused:
            errors = _placement_error(refused)
        else:
            return done(request, f"/admin/agents/{created.id}", N_("The agent has been created."))
    agents = agents_admin.list_agents(uow, user.actor, limit=MANY)
    return page(request, "admin/agents.html", agents=agents, values=typed(form), errors=errors,
                **_choices(uow, user))


@router.get("/admin/agents/{agent_id}")
def agent_page(request: Request, agent_id: SmallId, uow: UoW, user: AgentManager) -> Response:
    return _agent_page(request, uow, user, agents_admin.get_agent(uow, user.actor, agent_id))


@router.post("/admin/agents/{agent_id}")
def update_agent(request: Request, agent_id: SmallId, uow: UoW, user: AgentManager, form: Posted) -> Response:
    agent = agents_admin.get_agent(uow, user.actor, agent_id)  # out of scope: 404
    values = {"employee_no": text(form, "employee_no"), "display_name": text(form, "display_name"),
              "site_id": text(form, "site_id"), "team_id": text(form, "team_id") or None}
    cmd, errors = parse_form(AgentUpdate, values)
    if cmd is not None:
        try:
            agents_admin.update_agent(uow, user.actor, agent_id, cmd)
        except DomainError as refused:
            errors = _placement_error(refused)
        else:
            return done(request, f"/admin/agents/{agent_id}", N_("The changes have been saved."))
    return _agent_page(request, uow, user, agent, typed(form), errors)


@router.post("/admin/agents/{agent_id}/skills")
def replace_skills(request: Request, agent_id: SmallId, uow: UoW, user: AgentManager, form: Posted) -> Response:
    agent = agents_admin.get_agent(uow, user.actor, agent_id)
    errors: FormErrors = {}
    skills = []
    for skill in reference_options(uow)["skills"]:
        raw = text(form, f"skill_{skill.id}")
        if raw:
            proficiency = check(Proficiency, raw, f"skill_{skill.id}", errors)
            if proficiency is not None:
                skills.append(AgentSkillIn(skill_id=skill.id, proficiency=proficiency))
    if not errors:
        try:
            agents_admin.replace_skills(uow, user.actor, agent_id, skills)
        except DomainError as refused:
            errors = domain_error(refused)
        else:
            return done(request, f"/admin/agents/{agent_id}", N_("The skills have been saved."))
    return _agent_page(request, uow, user, agent, typed(form), errors)


@router.post("/admin/agents/{agent_id}/certifications")
def grant_certification(request: Request, agent_id: SmallId, uow: UoW, user: AgentManager,
                        form: Posted) -> Response:
    agent = agents_admin.get_agent(uow, user.actor, agent_id)
    errors: FormErrors = {}
    zone = get_pages(request).time_zone
    moments = {}
    for name in ("passed_at", "expires_at"):
        raw = text(form, name)
        try:
            moments[name] = datetime.combine(date.fromisoformat(raw), time(), zone) if raw else None
        except ValueError:
            errors[name] = ENTER_DATE
    skill = {"skill_id": text(form, "cert_skill_id")} if text(form, "cert_skill_id") else {}
    cmd, invalid = parse_form(CertificationCreate, {**skill, **moments})
    errors = {("cert_skill_id" if k == "skill_id" else k): v for k, v in invalid.items()} | errors
    if FORM_LEVEL in errors:  # the model's own rule: expiry after passing
        errors["expires_at"] = EXPIRES_BEFORE
        del errors[FORM_LEVEL]
    if cmd is not None and not errors:
        try:
            agents_admin.add_certification(uow, user.actor, agent_id, cmd)
        except DomainError as refused:
            errors = domain_error(refused, "cert_skill_id")
        else:
            return done(request, f"/admin/agents/{agent_id}", N_("The certification has been granted."))
    return _agent_page(request, uow, user, agent, typed(form), errors)


@router.post("/admin/agents/{agent_id}/certifications/{certification_id}/revoke")
def revoke_certification(request: Request, agent_id: SmallId, certification_id: SmallId, uow: UoW,
                         user: AgentManager, form: Posted) -> Response:
    agents_admin.remove_certification(uow, user.actor, agent_id, certification_id)
    return done(request, f"/admin/agents/{agent_id}", N_("The certification has been revoked."))


@router.post("/admin/agents/{agent_id}/capacities")
def replace_capacities(request: Request, agent_id: SmallId, uow: UoW, user: AgentManager,
                       form: Posted) -> Response:
    agent = agents_admin.get_agent(uow, user.actor, agent_id)
    errors: FormErrors = {}
    capacities = {}
    for channel in Channel:
        raw = text(form, f"capacity_{channel.value}")
        if raw:
            capacities[channel] = check(Capacity, raw, f"capacity_{channel.value}", errors)
    if not errors:
        agents_admin.replace_capacities(uow, user.actor, agent_id, capacities)
        return done(request, f"/admin/agents/{agent_id}", N_("The capacities have been saved."))
    return _agent_page(request, uow, user, agent, typed(form), errors)


def _placement_error(refused: DomainError) -> FormErrors:
    if isinstance(refused, Forbidden):
        return {"site_id": NOT_YOUR_SITE}
    if isinstance(refused, InvalidInput):
        return {"team_id": TEAM_OF_ANOTHER_SITE}
    if isinstance(refused, NotFound):
        return domain_error(refused, "team_id" if refused.what == "team" else "site_id")
    return domain_error(refused, "employee_no")  # a Conflict: the employee number is taken


def _agent_page(request: Request, uow: UnitOfWork, user: WebUser, agent: AgentView,
                posted: dict[str, Any] | None = None, errors: FormErrors | None = None) -> Response:
    values: dict[str, Any] = {"employee_no": agent.employee_no, "display_name": agent.display_name,
                              "site_id": agent.site_id, "team_id": agent.team_id or ""}
    values |= {f"skill_{s.skill_id}": s.proficiency for s in agent.skills}
    values |= {f"capacity_{channel}": capacity for channel, capacity in agent.capacities.items()}
    values |= posted or {}  # what was typed in the form sent back
    return page(request, "admin/agent.html", agent=agent, values=values, errors=errors, **_choices(uow, user))
