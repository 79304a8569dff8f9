"""Quality evaluations of handled interactions (written by quality reviewers)."""

from typing import Annotated

from fastapi import APIRouter, Depends, status

from helpline.domain.permissions import Actor
from helpline.domain.permissions import Permission as P
from helpline.entrypoints.api.deps import UoW, require
from helpline.entrypoints.api.routers.params import NOT_FOUND, BigIdQuery, IdQuery, Limit, Offset
from helpline.services import quality
from helpline.services.admin_schemas import EvaluationCreate, EvaluationView

router = APIRouter(prefix="/quality", tags=["quality"])


@router.post("/evaluations", response_model=EvaluationView, status_code=status.HTTP_201_CREATED,
             responses=NOT_FOUND)
def create_evaluation(body: EvaluationCreate, uow: UoW,
                      actor: Annotated[Actor, Depends(require(P.WRITE_QUALITY))]) -> EvaluationView:
    return quality.create_evaluation(uow, actor, body)


@router.get("/evaluations", response_model=list[EvaluationView], description="Newest first.")
def list_evaluations(uow: UoW, actor: Annotated[Actor, Depends(require(P.READ_QUALITY))],
                     interaction_id: BigIdQuery = None, agent_id: IdQuery = None, limit: Limit = 100,
                     offset: Offset = 0) -> list[EvaluationView]:
    return quality.list_evaluations(uow, actor, interaction_id=interaction_id, agent_id=agent_id,
                                    limit=limit, offset=offset)
