"""Agents: records, skills, certifications and per-channel capacity. A supervisor sees and manages only
the agents of the sites they oversee; others' agents look missing (404)."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response, status

from helpline.domain.permissions import Actor
from helpline.domain.permissions import Permission as P
from helpline.domain.vocabulary import PresenceState
from helpline.entrypoints.api.deps import UoW, require
from helpline.entrypoints.api.routers.params import CONFLICT, NOT_FOUND, IdPath, IdQuery, Limit, Offset
from helpline.services import agents_admin
from helpline.services.staffing_schemas import (
    AgentCreate,
    AgentSkills,
    AgentUpdate,
    AgentView,
    Capacities,
    CertificationCreate,
    CertificationView,
)

router = APIRouter(prefix="/agents", tags=["agents"])
Reader = Annotated[Actor, Depends(require(P.READ_AGENTS))]
Manager = Annotated[Actor, Depends(require(P.MANAGE_AGENTS))]
ERRORS: dict[int | str, dict[str, Any]] = {**NOT_FOUND, 403: {"description": "Not a site you oversee"}}


@router.get("", response_model=list[AgentView])
def list_agents(uow: UoW, actor: Reader, site_id: IdQuery = None, team_id: IdQuery = None,
                presence: PresenceState | None = None, limit: Limit = 100, offset: Offset = 0) -> list[AgentView]:
    return agents_admin.list_agents(uow, actor, site_id=site_id, team_id=team_id, presence=presence,
                                    limit=limit, offset=offset)


@router.get("/{agent_id}", response_model=AgentView, responses=NOT_FOUND)
def get_agent(agent_id: IdPath, uow: UoW, actor: Reader) -> AgentView:
    return agents_admin.get_agent(uow, actor, agent_id)


@router.post("", response_model=AgentView, status_code=status.HTTP_201_CREATED, responses={**ERRORS, **CONFLICT})
def create_agent(body: AgentCreate, uow: UoW, actor: Manager) -> AgentView:
    return agents_admin.create_agent(uow, actor, body)


@router.patch("/{agent_id}", response_model=AgentView, responses={**ERRORS, **CONFLICT})
def update_agent(agent_id: IdPath, body: AgentUpdate, uow: UoW, actor: Manager) -> AgentView:
    return agents_admin.update_agent(uow, actor, agent_id, body)


@router.put("/{agent_id}/skills", response_model=AgentView, responses=NOT_FOUND,
            description="Replaces the agent's skills with this list of {skill_id, proficiency 1–10}.")
def replace_skills(agent_id: IdPath, body: AgentSkills, uow: UoW, actor: Manager) -> AgentView:
    return agents_admin.replace_skills(uow, actor, agent_id, body)


@router.put("/{agent_id}/capacities", response_model=AgentView, responses=NOT_FOUND,
            description='Replaces the per-channel capacity, e.g. {"voice": 1, "chat": 3}; a channel left out '
                        "falls back to the default.")
def replace_capacities(agent_id: IdPath, body: Capacities, uow: UoW, actor: Manager) -> AgentView:
    return agents_admin.replace_capacities(uow, actor, agent_id, body)


@router.post("/{agent_id}/certifications", response_model=CertificationView, status_code=status.HTTP_201_CREATED,
             responses=NOT_FOUND)
def add_certification(agent_id: IdPath, body: CertificationCreate, uow: UoW, actor: Manager) -> CertificationView:
    return agents_admin.add_certification(uow, actor, agent_id, body)


@router.delete("/{agent_id}/certifications/{certification_id}", status_code=status.HTTP_204_NO_CONTENT,
               response_class=Response, responses=NOT_FOUND)
def remove_certification(agent_id: IdPath, certification_id: IdPath, uow: UoW, actor: Manager) -> None:
    agents_admin.remove_certification(uow, actor, agent_id, certification_id)
