"""Quality control: scorecards, the week's sample (the QA work list), evaluations with the agent's
acknowledgement or dispute and QA's decision, retraining required by a finding, and the quality figures."""

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, status

from helpline.bootstrap import Container
from helpline.domain.permissions import Actor
from helpline.domain.permissions import Permission as P
from helpline.domain.quality import EvaluationStatus
from helpline.entrypoints.api.deps import UoW, get_container, require
from helpline.entrypoints.api.routers.params import CONFLICT, NOT_FOUND, BigIdQuery, IdPath, IdQuery, Limit, Offset
from helpline.services import quality, quality_figures, quality_sampling, quality_scorecards
from helpline.services.quality_schemas import (
    AgentReply,
    DisputeDecision,
    EvaluationCreate,
    EvaluationDetail,
    EvaluationView,
    QualityReport,
    RetrainingRequest,
    SampleRequest,
    SampleResult,
    ScorecardCreate,
    ScorecardView,
    TaskView,
)

router = APIRouter(prefix="/quality", tags=["quality"])
Reviewer = Annotated[Actor, Depends(require(P.WRITE_QUALITY))]
Reader = Annotated[Actor, Depends(require(P.READ_QUALITY))]
ReaderOrAgent = Annotated[Actor, Depends(require(P.READ_QUALITY, P.ACKNOWLEDGE_QUALITY))]
Settings = Annotated[Container, Depends(get_container)]


# --- scorecards ---------------------------------------------------------------------------------------


@router.post("/scorecards", response_model=ScorecardView, status_code=status.HTTP_201_CREATED,
             responses=NOT_FOUND | CONFLICT)
def create_scorecard(body: ScorecardCreate, uow: UoW, actor: Reviewer) -> ScorecardView:
    return quality_scorecards.create_scorecard(uow, actor, body)


@router.get("/scorecards", response_model=list[ScorecardView], description="Every version, newest first by name.")
def list_scorecards(uow: UoW, actor: Reader, active: bool = False) -> list[ScorecardView]:
    return quality_scorecards.list_scorecards(uow, active_only=active)


@router.get("/scorecards/{scorecard_id}", response_model=ScorecardView, responses=NOT_FOUND)
def get_scorecard(scorecard_id: IdPath, uow: UoW, actor: ReaderOrAgent) -> ScorecardView:
    return quality_scorecards.get_scorecard(uow, scorecard_id)


@router.put("/scorecards/{scorecard_id}", response_model=ScorecardView, responses=NOT_FOUND | CONFLICT,
            description="Changes the scorecard in place while unused; once used, the change is its next version "
                        "(the answer) and the old version is retired.")
def update_scorecard(scorecard_id: IdPath, body: ScorecardCreate, uow: UoW, actor: Reviewer) -> ScorecardView:
    return quality_scorecards.update_scorecard(uow, actor, scorecard_id, body)


@router.post("/scorecards/{scorecard_id}/retire", response_model=ScorecardView, responses=NOT_FOUND)
def retire_scorecard(scorecard_id: IdPath, uow: UoW, actor: Reviewer) -> ScorecardView:
    return quality_scorecards.retire_scorecard(uow, scorecard_id)


# --- the sample (QA work list) ------------------------------------------------------------------------


@router.post("/sample", response_model=SampleResult, status_code=status.HTTP_201_CREATED)
def draw_sample(body: SampleRequest, uow: UoW, actor: Reviewer, container: Settings) -> SampleResult:
    return quality_sampling.draw_sample(uow, actor, body, container.settings.time_zone)


@router.get("/tasks", response_model=list[TaskView], description="Oldest week first.")
def list_tasks(uow: UoW, actor: Reader, week: date | None = None, open_only: bool = True, limit: Limit = 200,
               offset: Offset = 0) -> list[TaskView]:
    return quality_sampling.list_tasks(uow, actor, open_only=open_only, week=week, limit=limit, offset=offset)


# --- evaluations ------------------------------------------------------------------------------------


@router.post("/evaluations", response_model=EvaluationView, status_code=status.HTTP_201_CREATED,
             responses=NOT_FOUND)
def create_evaluation(body: EvaluationCreate, uow: UoW, actor: Reviewer) -> EvaluationView:
    return quality.create_evaluation(uow, actor, body)


@router.get("/evaluations", response_model=list[EvaluationView], description="Newest first.")
def list_evaluations(uow: UoW, actor: Reader, interaction_id: BigIdQuery = None, agent_id: IdQuery = None,
                     status: EvaluationStatus | None = None, limit: Limit = 100,
                     offset: Offset = 0) -> list[EvaluationView]:
    return quality.list_evaluations(uow, actor, interaction_id=interaction_id, agent_id=agent_id, status=status,
                                    limit=limit, offset=offset)


@router.get("/my-evaluations", response_model=list[EvaluationView],
            description="The calling agent's own evaluations, newest first.")
def my_evaluations(uow: UoW, actor: Annotated[Actor, Depends(require(P.ACKNOWLEDGE_QUALITY))],
                   status: EvaluationStatus | None = None, limit: Limit = 100,
                   offset: Offset = 0) -> list[EvaluationView]:
    return quality.list_evaluations(uow, actor, agent_id=actor.agent_id or 0, status=status, limit=limit,
                                    offset=offset)


@router.get("/evaluations/{evaluation_id}", response_model=EvaluationDetail, responses=NOT_FOUND)
def get_evaluation(evaluation_id: IdPath, uow: UoW, actor: ReaderOrAgent) -> EvaluationDetail:
    return quality.get_evaluation(uow, actor, evaluation_id)


@router.post("/evaluations/{evaluation_id}/reply", response_model=EvaluationView, responses=NOT_FOUND,
             description="The agent evaluated acknowledges or disputes (with a comment) their evaluation.")
def reply(evaluation_id: IdPath, body: AgentReply, uow: UoW,
          actor: Annotated[Actor, Depends(require(P.ACKNOWLEDGE_QUALITY))]) -> EvaluationView:
    return quality.reply(uow, actor, evaluation_id, body)


@router.post("/evaluations/{evaluation_id}/decision", response_model=EvaluationView, responses=NOT_FOUND,
             description="QA upholds a disputed evaluation or revises it.")
def decide(evaluation_id: IdPath, body: DisputeDecision, uow: UoW, actor: Reviewer) -> EvaluationView:
    return quality.decide_dispute(uow, actor, evaluation_id, body)


@router.post("/evaluations/{evaluation_id}/retraining", status_code=status.HTTP_204_NO_CONTENT,
             responses=NOT_FOUND,
             description="Suspends the agent's certification in a skill whose criterion this evaluation failed "
                         "critically, until they pass its exam again.")
def require_retraining(evaluation_id: IdPath, body: RetrainingRequest, uow: UoW,
                       actor: Annotated[Actor, Depends(require(P.WRITE_QUALITY))]) -> None:
    quality.require_retraining(uow, actor, evaluation_id, body)


# --- figures ------------------------------------------------------------------------------------------


@router.get("/figures", response_model=QualityReport,
            description="Mean score, error-free share and critical errors per agent, team or site, with weekly "
                        "trends; by the week the interactions were handled.")
def figures(uow: UoW, actor: ReaderOrAgent, container: Settings,
            from_date: Annotated[date, Query(alias="from")], to_date: Annotated[date, Query(alias="to")],
            by: Literal["agent", "team", "site"] = "agent") -> QualityReport:
    return quality_figures.quality_report(uow, actor, from_date, to_date, container.settings.time_zone, by)
